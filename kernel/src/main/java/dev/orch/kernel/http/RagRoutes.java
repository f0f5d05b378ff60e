package dev.orch.kernel.http;

import dev.orch.kernel.rag.RagCatalog;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The read-only RAG endpoints (API.md §3.11), for any signed-in user. A database is named by its key in
 * {@code rag.databases} and only looked up there, so no request can reach another file; the listing
 * shows the name in place of the path.
 */
final class RagRoutes {
  private final RagCatalog catalog;

  RagRoutes(RagCatalog catalog) {
    this.catalog = catalog;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/rag/databases").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 200, catalog.databases()));
    router.get("/api/rag/databases/:name/sources").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 200, catalog.sources(ctx.pathParam("name"))));
    router.get("/api/rag/databases/:name/documents").handler(authn::user).handler(this::documents);
  }

  private void documents(RoutingContext ctx) {
    Paging paging = Paging.of(ctx, 50, 200);
    String source = ctx.queryParams().get("source");
    Replies.json(ctx, 200, catalog.documents(ctx.pathParam("name"), source, paging.offset(), paging.limit()));
  }
}
