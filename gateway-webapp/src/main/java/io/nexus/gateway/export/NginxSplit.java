package io.nexus.gateway.export;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.TrafficPolicy.SplitWay;
import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.export.ExportRoutes.IndexedRoute;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * A route's canary {@code split} in nginx: {@code split_clients} on nginx's random
 * {@code $request_id} draws a side by weight for each request, a {@code map} per
 * {@code match-header} in front of it lets a request that carries one go to its side (the first
 * in file order wins, as in Nexus), and the location proxies to the variable's upstream with the
 * side's own Host.
 */
final class NginxSplit {

    private final GatewayConfig config;
    private final Collection<Gap> gaps;

    NginxSplit(GatewayConfig config, Collection<Gap> gaps) {
        this.config = config;
        this.gaps = gaps;
    }

    /** The variable holding the upstream a request of a split route goes to. */
    static String upstreamVariable(IndexedRoute route) {
        return "$nexus_route" + route.index() + "_upstream";
    }

    /** The variable holding the Host of that upstream's one target. */
    static String hostVariable(IndexedRoute route) {
        return "$nexus_route" + route.index() + "_host";
    }

    /** The http-level blocks of every split route. */
    List<String> httpLevel() {
        List<String> lines = new ArrayList<>();
        for (IndexedRoute route : ExportRoutes.indexed(config)) {
            List<SplitWay> ways = route.settings().traffic().split();
            if (!ways.isEmpty()) {
                split(route, ways, lines);
            }
        }
        return lines;
    }

    private void split(IndexedRoute route, List<SplitWay> ways, List<String> lines) {
        String drawn = "$nexus_route" + route.index() + "_drawn";
        long total = ways.stream().mapToLong(SplitWay::weight).sum();
        List<SplitWay> weighted = ways.stream().filter(way -> way.weight() > 0).toList();
        lines.add("split_clients \"${request_id}\" " + drawn + " {");
        for (int i = 0; i < weighted.size() - 1; i++) {
            BigDecimal percent = BigDecimal.valueOf(weighted.get(i).weight() * 100L).divide(BigDecimal.valueOf(total), 2, RoundingMode.HALF_EVEN);
            lines.add("    " + percent.stripTrailingZeros().toPlainString() + "% " + weighted.get(i).upstream() + ";");
        }
        lines.add("    * " + weighted.getLast().upstream() + ";");
        lines.add("}");
        // Built from the last match-header back, so that the first a request carries decides.
        List<SplitWay> matching = ways.stream().filter(way -> way.matchHeader().isPresent()).toList();
        String next = drawn;
        for (int i = matching.size() - 1; i >= 0; i--) {
            SplitWay way = matching.get(i);
            String variable = i == 0 ? upstreamVariable(route) : "$nexus_route" + route.index() + "_match" + i;
            String header = "$http_" + way.matchHeader().get().name().toLowerCase(Locale.ROOT).replace('-', '_');
            lines.add("map " + header + " " + variable + " {");
            // A regex key: map's plain strings ignore case, Nexus compares the value exactly.
            lines.add("    \"~^" + RouteRewrite.quote(way.matchHeader().get().value()).replace("\\", "\\\\").replace("\"", "\\\"") + "$\" "
                + way.upstream() + ";");
            lines.add("    default " + next + ";");
            lines.add("}");
            next = variable;
        }
        if (matching.isEmpty()) {
            lines.add("map " + drawn + " " + upstreamVariable(route) + " { default " + drawn + "; }");
        }
        hosts(route, ways, lines);
        gaps.add(new Gap(route.key("split"), "drawn by nginx's split_clients on its random $request_id (shares rounded to 0.01 %); "
            + "timeouts and retries are those of the first side, " + route.settings().upstream()));
        if (!matching.isEmpty()) {
            gaps.add(new Gap(route.key("split"), "a match-header repeated by the client is compared by its first value only"));
        }
    }

    /** Nexus sends each side's target authority as Host: known when every side has one target. */
    private void hosts(IndexedRoute route, List<SplitWay> ways, List<String> lines) {
        lines.add("map " + upstreamVariable(route) + " " + hostVariable(route) + " {");
        for (SplitWay way : ways) {
            UpstreamSettings upstream = config.upstreams().get(way.upstream());
            String host = upstream.targets().size() == 1 ? NginxExport.authority(upstream.targets().getFirst().url()) : upstream.name();
            lines.add("    " + way.upstream() + " \"" + host + "\";");
        }
        lines.add("}");
        String scheme = scheme(ways.getFirst());
        if (ways.stream().anyMatch(way -> !scheme(way).equals(scheme))) {
            gaps.add(new Gap(route.key("split"), "every side is proxied over " + scheme + ", the first side's scheme"));
        }
    }

    private String scheme(SplitWay way) {
        UpstreamSettings upstream = config.upstreams().get(way.upstream());
        return upstream.targets().isEmpty() ? "http" : upstream.targets().getFirst().url().getScheme();
    }
}
