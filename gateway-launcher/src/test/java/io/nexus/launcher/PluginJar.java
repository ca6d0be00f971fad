package io.nexus.launcher;

import io.nexus.gateway.spi.MiddlewarePlugin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/** Packs test plugin classes into a jar as a plugin's build would: the classes and their service file. */
final class PluginJar {

    private PluginJar() {
    }

    static Path write(Path jar, Class<?>... plugins) throws IOException {
        Files.createDirectories(jar.getParent());
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            StringBuilder services = new StringBuilder();
            for (Class<?> plugin : plugins) {
                String entry = plugin.getName().replace('.', '/') + ".class";
                out.putNextEntry(new JarEntry(entry));
                try (InputStream bytes = plugin.getClassLoader().getResourceAsStream(entry)) {
                    bytes.transferTo(out);
                }
                out.closeEntry();
                services.append(plugin.getName()).append('\n');
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + MiddlewarePlugin.class.getName()));
            out.write(services.toString().getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }
}
