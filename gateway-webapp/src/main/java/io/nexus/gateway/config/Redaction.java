package io.nexus.gateway.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a configuration for people to read: HOCON with sorted keys, no comments, and every
 * secret replaced by {@value #REDACTED}. A key is a secret when its name contains token, secret,
 * password, sha256, private-key, credential or jwks-url, at any depth and inside lists: a rule by name
 * rather than a list of paths, so that secrets of later sections are redacted too.
 */
final class Redaction {

    public static final String REDACTED = "<redacted>";
    // jwks-url: identity providers put API keys and signatures in JWKS URLs' queries and user info.
    private static final String[] SECRET_WORDS = {"token", "secret", "password", "sha256", "private-key", "credential", "jwks-url"};
    private static final ConfigRenderOptions RENDER = ConfigRenderOptions.defaults()
        .setOriginComments(false).setComments(false).setJson(false).setFormatted(true);

    private Redaction() {
    }

    /** The redacted HOCON text of {@code object}, as {@code nexus { ... }}. */
    static String render(ConfigObject object) {
        return ConfigFactory.empty().withValue("nexus", redact(object)).root().render(RENDER);
    }

    static boolean isSecret(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        for (String word : SECRET_WORDS) {
            if (lower.contains(word)) {
                return true;
            }
        }
        return false;
    }

    private static ConfigValue redact(ConfigValue value) {
        if (value instanceof ConfigObject object) {
            ConfigObject result = object;
            for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
                ConfigValue child = entry.getValue();
                boolean secret = isSecret(entry.getKey()) && child.valueType() != ConfigValueType.NULL;
                result = result.withValue(entry.getKey(), secret ? ConfigValueFactory.fromAnyRef(REDACTED) : redact(child));
            }
            return result;
        }
        if (value instanceof ConfigList list) {
            List<Object> items = new ArrayList<>();
            for (ConfigValue item : list) {
                items.add(redact(item));
            }
            return ConfigValueFactory.fromIterable(items);
        }
        return value;
    }
}
