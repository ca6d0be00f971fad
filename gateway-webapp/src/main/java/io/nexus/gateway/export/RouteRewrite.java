package io.nexus.gateway.export;

import io.nexus.gateway.config.CanonicalPath;
import io.nexus.gateway.config.TrafficPolicy.Rewrite;
import io.nexus.gateway.export.ExportRoutes.IndexedRoute;
import io.nexus.gateway.export.ExportRoutes.PathMatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route's {@code rewrite} in the form nginx's {@code rewrite} and Envoy's {@code regex_rewrite}
 * take: one regex over the whole request path (the route's prefix, then the path Nexus rewrites)
 * and a replacement that rebuilds all of it. One step, because nginx ignores proxy_pass's URI
 * once a rewrite changed the path and Envoy takes one of prefix_rewrite and regex_rewrite, so
 * strip-prefix happens in the rewrite; the whole path, because Nexus replaces the first match
 * only and Envoy would replace every match.
 */
final class RouteRewrite {

    /** Both planes read capture groups 1 to 9 only in a replacement. */
    static final int MAX_GROUP = 9;

    /** A piece of a replacement: literal text or a capture group of {@link WholePath#regex}. */
    sealed interface Part permits Text, Group {
    }

    record Text(String text) implements Part {
    }

    record Group(int number) implements Part {
    }

    /**
     * @param regex matches a whole path under the route's prefix whose rest Nexus's regex finds
     * @param replacement the path Nexus sends upstream for such a path
     */
    record WholePath(String regex, List<Part> replacement) {

        int maxGroup() {
            return replacement.stream().mapToInt(part -> part instanceof Group group ? group.number() : 0).max().orElse(0);
        }
    }

    private static final Pattern REFERENCE = Pattern.compile("\\$(\\d+)|\\$\\{([A-Za-z][A-Za-z0-9]*)}|\\\\(.)");

    private RouteRewrite() {
    }

    /**
     * The rewrite of paths under {@code prefix} (the route's path with strip-prefix, else empty):
     * {@code ^prefix(pre)(regex)(post)$} to {@code pre replacement post}, with Nexus's groups
     * moved behind the new ones. A leading {@code ^} anchors the regex just after the prefix,
     * where Nexus's path starts.
     */
    static WholePath wholePath(Rewrite rewrite, String prefix) {
        String regex = rewrite.regex();
        boolean anchored = regex.startsWith("^");
        Pattern compiled = Pattern.compile(regex);
        // The pre group (unanchored only), then the group around Nexus's regex (its $0), then its own groups.
        int shift = anchored ? 1 : 2;
        String whole = "^" + quote(prefix) + (anchored ? "" : "(.*?)") + "(" + (anchored ? regex.substring(1) : regex) + ")(.*)$";
        List<Part> parts = new ArrayList<>();
        if (!anchored) {
            parts.add(new Group(1));
        }
        Matcher reference = REFERENCE.matcher(rewrite.replacement());
        int last = 0;
        while (reference.find()) {
            text(parts, rewrite.replacement().substring(last, reference.start()));
            if (reference.group(3) != null) {
                text(parts, reference.group(3));
            } else {
                int group = reference.group(1) != null ? javaGroup(reference.group(1), compiled.matcher("").groupCount())
                    : compiled.namedGroups().get(reference.group(2));
                parts.add(new Group(shift + group));
                // Java reads as many digits as make a group; the others are text.
                String digits = reference.group(1) == null ? "" : reference.group(1).substring(Integer.toString(group).length());
                text(parts, digits);
            }
            last = reference.end();
        }
        text(parts, rewrite.replacement().substring(last));
        parts.add(new Group(shift + compiled.matcher("").groupCount() + 1));
        return new WholePath(whole, List.copyOf(parts));
    }

    /**
     * The rewrite of a route's prefix match, or empty for an exact match (whose one path
     * {@link #knownPath} rewrites), a route without a rewrite, or a replacement the plane cannot
     * read (a gap).
     */
    static Optional<WholePath> ofPrefixMatch(IndexedRoute route, PathMatch match, Collection<Gap> gaps) {
        Optional<Rewrite> rewrite = route.settings().traffic().rewrite();
        if (rewrite.isEmpty() || match.exact()) {
            return Optional.empty();
        }
        WholePath whole = wholePath(rewrite.get(), match.replacement().isPresent() ? route.settings().path() : "");
        if (whole.maxGroup() > MAX_GROUP) {
            gaps.add(new Gap(route.key("rewrite"), "not exported: capture groups 1 to 9 only can be read in a replacement"));
            return Optional.empty();
        }
        return Optional.of(whole);
    }

    /**
     * What Nexus sends for one known path (an exact route's): the rewritten path, the path itself
     * when the regex does not find it, or empty when Nexus refuses the result with 400
     * (as {@code traffic.PathRewriter} does, which this layer cannot call).
     */
    static Optional<String> knownPath(Rewrite rewrite, String path) {
        Matcher matcher = Pattern.compile(rewrite.regex()).matcher(path);
        if (!matcher.find()) {
            return Optional.of(path);
        }
        String rewritten = matcher.replaceFirst(rewrite.replacement());
        return CanonicalPath.refusal(rewritten) == null ? Optional.of(rewritten) : Optional.empty();
    }

    /** As {@link Matcher#appendReplacement}: the first digit, then more while the group exists. */
    private static int javaGroup(String digits, int groupCount) {
        int group = digits.charAt(0) - '0';
        for (int i = 1; i < digits.length(); i++) {
            int next = group * 10 + digits.charAt(i) - '0';
            if (next > groupCount) {
                break;
            }
            group = next;
        }
        return group;
    }

    private static void text(List<Part> parts, String text) {
        if (!text.isEmpty()) {
            parts.add(new Text(text));
        }
    }

    /** A literal path as a regex both PCRE and RE2 read: every character but letters, digits, / and - escaped. */
    static String quote(String literal) {
        StringBuilder quoted = new StringBuilder(literal.length() * 2);
        for (char c : literal.toCharArray()) {
            if (!Character.isLetterOrDigit(c) && c != '/' && c != '-') {
                quoted.append('\\');
            }
            quoted.append(c);
        }
        return quoted.toString();
    }
}
