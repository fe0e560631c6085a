package org.deepmerge.app.cli;

/**
 * A {@code deepmerge} subcommand that lives in another module (e.g. {@code bench}): a picocli {@code @Command}
 * class listed in {@code META-INF/services/org.deepmerge.app.cli.DeepMergeSubcommand} of its jar, with a public
 * no-argument constructor. {@link DeepMergeCli#commandLine()} adds every one found on the class path.
 */
public interface DeepMergeSubcommand {
}
