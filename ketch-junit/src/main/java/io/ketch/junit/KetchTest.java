package io.ketch.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the test class against an embedded Ketch member or cluster ({@link KetchExtension}): fields
 * and parameters of type {@link io.ketch.embed.EmbeddedKetch}, {@link io.ketch.client.Client} and,
 * when jetcd is on the classpath, {@code io.etcd.jetcd.Client} are given a cluster and clients
 * connected to every member.
 *
 * <pre>{@code
 * @KetchTest(members = 3)
 * class OrderServiceTest {
 *   Client client;                     // injected
 *
 *   @Test
 *   void survivesALeaderCrash(EmbeddedKetch cluster) {
 *     cluster.leader().kill();
 *     ...
 *   }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(KetchExtension.class)
public @interface KetchTest {
  /** How many members: 1, 3 or 5. */
  int members() default 1;

  /** One cluster for the whole class (the default), or a new one for each test method. */
  Lifecycle lifecycle() default Lifecycle.PER_CLASS;

  /** Flags of the {@code ketch} command for every member, e.g. {@code "--max-txn-ops=256"}. */
  String[] config() default {};

  /** How long a cluster lives. */
  enum Lifecycle {
    /** Started before the class's first test, closed after its last (tests share its data). */
    PER_CLASS,
    /** Started before each test method, closed after it. */
    PER_METHOD
  }
}
