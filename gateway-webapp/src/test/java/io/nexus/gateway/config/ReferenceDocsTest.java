package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Holds the defaults tables of docs/configuration.md to reference.conf, where defaults are
 * written. A table is marked with {@code <!-- defaults: PATH -->} on the line before it, PATH being
 * the reference.conf object its keys live in. A default written as one code span ({@code `1s`})
 * must equal reference.conf's value; a default in words ("(required)", "none", "all") must have no
 * value there; and every value of reference.conf must be in a table.
 */
class ReferenceDocsTest {

    private static final Path DOC = Path.of("../docs/configuration.md");
    private static final Pattern MARKER = Pattern.compile("<!-- defaults: ([a-z0-9.-]+) -->");
    private static final Pattern CODE_SPAN = Pattern.compile("`([^`]+)`");
    private static final ConfigRenderOptions CONCISE = ConfigRenderOptions.concise();
    /** Collections of named entries, documented by their sections rather than a default. */
    private static final Set<String> COLLECTIONS = Set.of("nexus.upstreams", "nexus.routes", "nexus.auth", "nexus.middleware-settings");

    /** A documented key: its full path in reference.conf, the default cell, and the doc line. */
    private record Row(String path, String value, int line) {
    }

    @Test
    void everyDocumentedDefaultIsReferenceConfsValue() throws IOException {
        List<String> mismatches = new ArrayList<>();
        for (Row row : rows()) {
            Matcher literal = CODE_SPAN.matcher(row.value());
            Optional<ConfigValue> reference = referenceValue(row.path());
            if (literal.matches()) {
                String documented = render(ConfigFactory.parseString("value = " + literal.group(1)).root().get("value"));
                String referenced = reference.map(ReferenceDocsTest::render).orElse("(nothing)");
                if (!documented.equals(referenced)) {
                    mismatches.add("configuration.md:" + row.line() + " " + row.path() + ": documented " + documented + ", reference.conf " + referenced);
                }
            } else if (reference.isPresent()) {
                mismatches.add("configuration.md:" + row.line() + " " + row.path() + ": documented as \"" + row.value()
                    + "\", but reference.conf has " + render(reference.get()));
            }
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void everyValueOfReferenceConfIsDocumented() throws IOException {
        Set<String> documented = new TreeSet<>();
        rows().forEach(row -> documented.add(row.path()));
        Set<String> values = new TreeSet<>();
        collectValues("", ReferenceConfig.UNRESOLVED.root(), values);
        values.removeAll(COLLECTIONS);
        assertThat(documented).containsAll(values);
    }

    @Test
    void theTablesAreFound() throws IOException {
        // A marker that stops matching its table must not make the checks above pass by checking nothing.
        assertThat(tables()).hasSizeGreaterThanOrEqualTo(20).allSatisfy((path, rows) -> assertThat(rows).as(path).isNotEmpty());
    }

    private static List<Row> rows() throws IOException {
        return tables().values().stream().flatMap(List::stream).toList();
    }

    /** Every marked table's rows, by marker path (and line, for paths marked twice). */
    private static Map<String, List<Row>> tables() throws IOException {
        List<String> lines = Files.readAllLines(DOC);
        Map<String, List<Row>> tables = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher marker = MARKER.matcher(lines.get(i).trim());
            if (!marker.matches()) {
                continue;
            }
            String base = marker.group(1);
            int header = i + 1;
            while (header < lines.size() && lines.get(header).isBlank()) {
                header++;
            }
            List<String> columns = cells(lines.get(header));
            int keyColumn = columns.indexOf("key");
            int defaultColumn = columns.indexOf("default");
            assertThat(keyColumn).as("key column of the table after line %d", i + 1).isNotNegative();
            assertThat(defaultColumn).as("default column of the table after line %d", i + 1).isNotNegative();
            List<Row> rows = new ArrayList<>();
            for (int r = header + 2; r < lines.size() && lines.get(r).startsWith("|"); r++) {
                List<String> cells = cells(lines.get(r));
                Matcher key = CODE_SPAN.matcher(cells.get(keyColumn));
                assertThat(key.matches()).as("configuration.md:%d: a key in a code span", r + 1).isTrue();
                // tls.* and the like point at a table of their own.
                if (!key.group(1).endsWith(".*")) {
                    rows.add(new Row(base + "." + key.group(1), cells.get(defaultColumn), r + 1));
                }
            }
            tables.put(base + "@" + (i + 1), rows);
        }
        return tables;
    }

    private static List<String> cells(String line) {
        String trimmed = line.trim();
        List<String> cells = new ArrayList<>();
        for (String cell : trimmed.substring(1, trimmed.length() - 1).split("\\|", -1)) {
            cells.add(cell.trim());
        }
        return cells;
    }

    /** reference.conf's value at a path, unresolved (Config#getValue would insist on resolving it). */
    private static Optional<ConfigValue> referenceValue(String path) {
        ConfigValue value = ReferenceConfig.UNRESOLVED.root();
        for (String key : ConfigUtil.splitPath(path)) {
            if (!(value instanceof ConfigObject object) || !object.containsKey(key)) {
                return Optional.empty();
            }
            value = object.get(key);
        }
        return Optional.of(value);
    }

    /** Paths of every value that is not an object, and of every empty object. */
    private static void collectValues(String prefix, ConfigObject object, Set<String> paths) {
        object.forEach((key, value) -> {
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            if (value instanceof ConfigObject nested && !nested.isEmpty()) {
                collectValues(path, nested, paths);
            } else {
                paths.add(path);
            }
        });
    }

    /** Compared as concise JSON, so that quoting and spacing do not matter; ${?VAR} stays as written. */
    private static String render(ConfigValue value) {
        return value.render(CONCISE);
    }
}
