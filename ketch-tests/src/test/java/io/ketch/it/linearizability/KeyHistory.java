package io.ketch.it.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operations of one key, ready for {@link WglSearch}: completed operations apart from
 * indeterminate ones, each group in invocation order, with values interned to ints.
 *
 * <p>Interning merges every written value that no operation observes (no get returns it, no cas
 * expects it) into one, {@link #UNOBSERVED}: such values are alike to every operation, which only
 * ever compares the register with observed ones, so merging them loses nothing and makes states
 * that differ only in which unobserved value the register holds one state. Indeterminate gets are
 * left out: a read that may never have happened constrains nothing.
 */
final class KeyHistory {
  /** The interned value standing for every value no operation observes. */
  static final int UNOBSERVED = 1;

  final String key;
  final List<RegisterOp> completed = new ArrayList<>();
  final List<RegisterOp> indeterminate = new ArrayList<>();
  /** Observed values' ids, from 2: 0 is {@link RegisterOp#ABSENT}, 1 is {@link #UNOBSERVED}. */
  private final Map<String, Integer> ids = new HashMap<>();

  private KeyHistory(String key, List<Operation> ops) {
    this.key = key;
    Set<String> observed = new LinkedHashSet<>();
    for (Operation o : ops) {
      if (o.op() instanceof Op.Cas c && c.expected() != null) {
        observed.add(c.expected());
      } else if (o.op() instanceof Op.Get && !o.isIndeterminate() && o.result().value() != null) {
        observed.add(o.result().value());
      }
    }
    observed.forEach(this::intern);
    ops.forEach(this::add);
  }

  /** The histories of the keys in {@code ops}, in the order of each key's first invocation. */
  static List<KeyHistory> split(List<Operation> ops) {
    Map<String, List<Operation>> byKey = new LinkedHashMap<>();
    ops.stream()
        .sorted(Comparator.comparingLong(Operation::invoke))
        .forEach(o -> byKey.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o));
    return byKey.entrySet().stream().map(e -> new KeyHistory(e.getKey(), e.getValue())).toList();
  }

  int valueCount() {
    return ids.size() + 2;
  }

  private void add(Operation o) {
    RegisterOp r;
    if (o.op() instanceof Op.Put p) {
      r = new RegisterOp(o, RegisterOp.Kind.PUT, 0, written(p.value()), false);
    } else if (o.op() instanceof Op.Delete) {
      r = new RegisterOp(o, RegisterOp.Kind.DELETE, 0, RegisterOp.ABSENT, false);
    } else if (o.op() instanceof Op.Cas c) {
      boolean applied = !o.isIndeterminate() && o.result().applied();
      r = new RegisterOp(o, RegisterOp.Kind.CAS, intern(c.expected()), written(c.value()), applied);
    } else if (!o.isIndeterminate()) {
      r = new RegisterOp(o, RegisterOp.Kind.GET, 0, intern(o.result().value()), false);
    } else {
      return;
    }
    (r.indeterminate ? indeterminate : completed).add(r);
  }

  private int written(String value) {
    return ids.getOrDefault(value, UNOBSERVED);
  }

  private int intern(String value) {
    if (value == null) {
      return RegisterOp.ABSENT;
    }
    return ids.computeIfAbsent(value, v -> ids.size() + 2);
  }
}
