package io.nexus.gateway.reload;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import java.util.List;

/** A unified diff of two texts, with three lines of context, as {@code diff -u} prints it. */
final class UnifiedDiff {

    private UnifiedDiff() {
    }

    static String of(String fromName, String from, String toName, String to) {
        List<String> original = from.lines().toList();
        List<String> revised = to.lines().toList();
        List<String> lines = UnifiedDiffUtils.generateUnifiedDiff(fromName, toName, original, DiffUtils.diff(original, revised), 3);
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }
}
