package io.nexus.gateway.traffic;

import io.nexus.gateway.config.TrafficPolicy.HeaderEdits;
import io.nexus.gateway.exchange.Exchange;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;

/** One direction's header edits, compiled once per route: remove, then set, then add. */
final class HeaderEditor {

    private final String[] remove;
    private final String[] setNames;
    private final HeaderTemplate[] setValues;
    private final String[] addNames;
    private final HeaderTemplate[] addValues;

    private HeaderEditor(HeaderEdits edits) {
        remove = edits.remove().toArray(String[]::new);
        setNames = edits.set().keySet().toArray(String[]::new);
        setValues = templates(edits.set(), setNames);
        addNames = edits.add().keySet().toArray(String[]::new);
        addValues = templates(edits.add(), addNames);
    }

    /** The editor of {@code edits}, or {@code null} when there is nothing to edit. */
    static HeaderEditor of(HeaderEdits edits) {
        return edits.isEmpty() ? null : new HeaderEditor(edits);
    }

    private static HeaderTemplate[] templates(Map<String, String> values, String[] names) {
        HeaderTemplate[] templates = new HeaderTemplate[names.length];
        for (int i = 0; i < names.length; i++) {
            templates[i] = HeaderTemplate.of(values.get(names[i]));
        }
        return templates;
    }

    /** Edits the headers of the request about to go upstream. */
    void apply(HttpFields.Mutable headers, Exchange exchange) {
        for (String name : remove) {
            headers.remove(name);
        }
        for (int i = 0; i < setNames.length; i++) {
            headers.put(setNames[i], setValues[i].render(exchange));
        }
        for (int i = 0; i < addNames.length; i++) {
            headers.add(addNames[i], addValues[i].render(exchange));
        }
    }

    /** Edits the response going to the client. */
    void apply(HttpServletResponse response, Exchange exchange) {
        for (String name : remove) {
            response.setHeader(name, null);
        }
        for (int i = 0; i < setNames.length; i++) {
            response.setHeader(setNames[i], setValues[i].render(exchange));
        }
        for (int i = 0; i < addNames.length; i++) {
            response.addHeader(addNames[i], addValues[i].render(exchange));
        }
    }
}
