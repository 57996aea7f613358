package io.tinkerjvm.cli.grpc;

import java.io.ByteArrayOutputStream;

/**
 * HPACK's static Huffman code (RFC 7541, Appendix B), decode side only: we never Huffman-encode what we send.
 *
 * <p>The code is canonical, so the bit length of each symbol is all it takes to rebuild every code: symbols sorted
 * by (length, value) get consecutive codes. {@link #LENGTHS} holds one character per symbol 0..255 and EOS (256),
 * the length being {@code c - '0'}.
 */
final class Huffman {
  static final String LENGTHS =
      "=GLLLLLLLHNLLNLLLLLLLLNLLLLLLLLL6::<=68;::8;8666555666666678?6<:"
          + "=67777777777777777777777878=C=>6?56565666577666567655677777?;>=L"
          + "DFDDFFFGFGGGGGHGHHFGHGGGGEFGFGGHFEDFFGGEGFFHEFGGEEFEGFGGDFFFGFFG"
          + "JJDCFGFIJJJKKJHICEJKKJKHEEJJLKKKDHDEFEEGFFIIHHJGJKJJKKKKKLKKKKKJ"
          + "N";
  static final int EOS = 256;

  /** Decoding tree: node n has children {@code tree[2n]} (bit 0) and {@code tree[2n+1]} (bit 1); leaves are ~symbol. */
  private static final int[] TREE = buildTree();

  private Huffman() {}

  static int length(int symbol) {
    return LENGTHS.charAt(symbol) - '0';
  }

  /** The canonical code of each symbol, right-aligned. */
  static int[] codes() {
    Integer[] order = new Integer[257];
    for (int s = 0; s < 257; s++) {
      order[s] = s;
    }
    java.util.Arrays.sort(order, (a, b) -> length(a) != length(b) ? length(a) - length(b) : a - b);
    int[] codes = new int[257];
    int code = 0;
    for (int i = 0; i < order.length; i++) {
      if (i > 0) {
        code = (code + 1) << (length(order[i]) - length(order[i - 1]));
      }
      codes[order[i]] = code;
    }
    return codes;
  }

  private static int[] buildTree() {
    int[] codes = codes();
    int[] tree = new int[2 * 257];
    int nodes = 1;
    for (int s = 0; s < 257; s++) {
      int node = 0;
      for (int bit = length(s) - 1; bit >= 0; bit--) {
        int slot = 2 * node + ((codes[s] >>> bit) & 1);
        if (bit == 0) {
          tree[slot] = ~s;
        } else {
          if (tree[slot] == 0) {
            tree[slot] = nodes++;
          }
          node = tree[slot];
        }
      }
    }
    return tree;
  }

  static byte[] decode(byte[] in, int offset, int length) throws Http2Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream(length * 8 / 5 + 1);
    int node = 0;
    int depth = 0;
    boolean allOnes = true;
    for (int i = offset; i < offset + length; i++) {
      for (int bit = 7; bit >= 0; bit--) {
        int b = (in[i] >>> bit) & 1;
        int next = TREE[2 * node + b];
        depth++;
        allOnes &= b == 1;
        if (next < 0) {
          int symbol = ~next;
          if (symbol == EOS) {
            throw new Http2Exception("HPACK: EOS symbol inside a Huffman string");
          }
          out.write(symbol);
          node = 0;
          depth = 0;
          allOnes = true;
        } else {
          node = next;
        }
      }
    }
    if (depth > 7 || !allOnes) {
      throw new Http2Exception("HPACK: bad padding at the end of a Huffman string");
    }
    return out.toByteArray();
  }
}
