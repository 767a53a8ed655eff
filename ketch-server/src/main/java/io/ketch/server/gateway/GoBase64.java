package io.ketch.server.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Go's base64.StdEncoding.DecodeString, with its error offsets ("illegal base64 data at input byte N"). */
final class GoBase64 {
  private static final int[] MAP = new int[256];

  static {
    Arrays.fill(MAP, -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < alphabet.length(); i++) {
      MAP[alphabet.charAt(i)] = i;
    }
  }

  private GoBase64() {}

  static byte[] decode(String text) throws JsonToProto.BadJson {
    byte[] src = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(src.length * 3 / 4);
    int si = 0;
    while (si < src.length) {
      int[] q = new int[4];
      int dlen = 4;
      int j = 0;
      boolean end = false;
      while (j < 4) {
        if (si == src.length) {
          if (j == 0) {
            return out.toByteArray();
          }
          throw corrupt(si - j); // StdEncoding wants padding
        }
        int in = src[si] & 0xff;
        si++;
        if (MAP[in] >= 0) {
          q[j++] = MAP[in];
          continue;
        }
        if (in == '\n' || in == '\r') {
          continue;
        }
        if (in != '=') {
          throw corrupt(si - 1);
        }
        if (j == 0 || j == 1) {
          throw corrupt(si - 1);
        }
        if (j == 2) {
          while (si < src.length && (src[si] == '\n' || src[si] == '\r')) {
            si++;
          }
          if (si == src.length) {
            throw corrupt(src.length);
          }
          if (src[si] != '=') {
            throw corrupt(si - 1);
          }
          si++;
        }
        while (si < src.length && (src[si] == '\n' || src[si] == '\r')) {
          si++;
        }
        if (si < src.length) {
          throw corrupt(si);
        }
        dlen = j;
        end = true;
        break;
      }
      int val = q[0] << 18 | q[1] << 12 | q[2] << 6 | q[3];
      out.write(val >> 16);
      if (dlen >= 3) {
        out.write(val >> 8);
      }
      if (dlen == 4) {
        out.write(val);
      }
      if (end) {
        break;
      }
    }
    return out.toByteArray();
  }

  private static JsonToProto.BadJson corrupt(int offset) {
    return new JsonToProto.BadJson("illegal base64 data at input byte " + offset);
  }
}
