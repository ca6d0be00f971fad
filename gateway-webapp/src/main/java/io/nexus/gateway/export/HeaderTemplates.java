package io.nexus.gateway.export;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A header value of a route's {@code headers} block ({@code ${request_id}}, {@code ${client_ip}},
 * {@code ${route}} among literal text) written in another data plane's syntax.
 */
final class HeaderTemplates {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(request_id|client_ip|route)}");

    private HeaderTemplates() {
    }

    /**
     * @param literal writes literal text as the plane needs it escaped
     * @param variable writes {@code request_id} or {@code client_ip} as the plane's own variable
     */
    static String render(String template, String route, UnaryOperator<String> literal, UnaryOperator<String> variable) {
        Matcher matcher = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder(template.length() + 16);
        int last = 0;
        while (matcher.find()) {
            out.append(literal.apply(template.substring(last, matcher.start())));
            String name = matcher.group(1);
            out.append(name.equals("route") ? literal.apply(route) : variable.apply(name));
            last = matcher.end();
        }
        return out.append(literal.apply(template.substring(last))).toString();
    }

    static boolean usesRequestId(String template) {
        return template.contains("${request_id}");
    }
}
