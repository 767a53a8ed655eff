package io.ketch.it.linearizability;

/** How register values print in histories and explanations: quoted and shortened, or {@code absent}. */
final class Values {
  private static final int MAX_SHOWN = 40;

  private Values() {}

  static String show(String value) {
    if (value == null) {
      return "absent";
    }
    String v = value.length() <= MAX_SHOWN ? value : value.substring(0, MAX_SHOWN) + "...";
    return '"' + v + '"';
  }
}
