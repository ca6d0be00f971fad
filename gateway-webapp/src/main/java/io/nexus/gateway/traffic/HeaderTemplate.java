package io.nexus.gateway.traffic;

import io.nexus.gateway.exchange.Exchange;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A header value with {@code ${request_id}}, {@code ${client_ip}} or {@code ${route}} in it,
 * split once into parts; a value without variables renders as the same string every time.
 */
final class HeaderTemplate {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(request_id|client_ip|route)}");

    private final String constant;
    /** Literal text (String) and variables (Variable), in order; unused for a constant. */
    private final Object[] parts;

    private enum Variable { REQUEST_ID, CLIENT_IP, ROUTE }

    private HeaderTemplate(String constant, Object[] parts) {
        this.constant = constant;
        this.parts = parts;
    }

    static HeaderTemplate of(String value) {
        Matcher matcher = VARIABLE.matcher(value);
        List<Object> parts = new ArrayList<>();
        int last = 0;
        while (matcher.find()) {
            if (matcher.start() > last) {
                parts.add(value.substring(last, matcher.start()));
            }
            parts.add(Variable.valueOf(matcher.group(1).toUpperCase(java.util.Locale.ROOT)));
            last = matcher.end();
        }
        if (parts.isEmpty()) {
            return new HeaderTemplate(value, null);
        }
        if (last < value.length()) {
            parts.add(value.substring(last));
        }
        return new HeaderTemplate(null, parts.toArray());
    }

    String render(Exchange exchange) {
        if (constant != null) {
            return constant;
        }
        StringBuilder text = new StringBuilder(64);
        for (Object part : parts) {
            if (part instanceof Variable variable) {
                String value = switch (variable) {
                    case REQUEST_ID -> exchange.requestId();
                    case CLIENT_IP -> exchange.clientAddress();
                    case ROUTE -> exchange.routeName();
                };
                text.append(value == null ? "" : value);
            } else {
                text.append((String) part);
            }
        }
        return text.toString();
    }
}
