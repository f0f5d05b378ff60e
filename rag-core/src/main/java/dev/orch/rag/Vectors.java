package dev.orch.rag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Embedding blobs as the original stores them (little-endian float32, numpy's layout), and their norm. */
public final class Vectors {
  private Vectors() {}

  /** The floats of a blob; null when it is not a whole number of float32s. */
  public static float[] floats(byte[] blob) {
    if (blob == null || blob.length % 4 != 0) {
      return null;
    }
    float[] out = new float[blob.length / 4];
    ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /** The blob of a vector. */
  public static byte[] blob(float[] vector) {
    ByteBuffer out = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    out.asFloatBuffer().put(vector);
    return out.array();
  }

  /** The vector scaled to length 1, so that a dot product is the cosine; null for null or a zero vector. */
  public static float[] normalised(float[] v) {
    if (v == null) {
      return null;
    }
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    if (norm == 0 || Double.isNaN(norm) || Double.isInfinite(norm)) {
      return null;
    }
    float[] out = new float[v.length];
    double scale = 1 / Math.sqrt(norm);
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] * scale);
    }
    return out;
  }
}
