package mmsim.mm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import mmsim.kernel.LockClass;

/**
 * Every lock class the model declares, for checking {@code drop-lock=CLASS} names before any
 * machine boots. Each subsystem declares its classes as static constants where it makes the
 * locks ({@link LockClass}), so loading every class of {@code mmsim.mm} registers them all: a new
 * subsystem's locks are droppable by name without being listed anywhere.
 */
public final class LockClasses {
    private LockClasses() { }

    private static volatile boolean loaded;

    /** Every declared lock class by name (loads the model's classes on the first call). */
    public static SortedMap<String, LockClass> all() {
        if (!loaded) loadModel();
        return LockClass.registered();
    }

    /** The class named {@code name}, or null when the model declares none. */
    public static LockClass lookup(String name) {
        LockClass c = LockClass.lookup(name);
        return c != null ? c : all().get(name);
    }

    private static synchronized void loadModel() {
        if (loaded) return;
        String pkg = LockClasses.class.getPackageName();
        ClassLoader loader = LockClasses.class.getClassLoader();
        for (String name : classNames(pkg)) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalStateException("cannot load model class " + name + " to read its lock classes", e);
            }
        }
        loaded = true;
    }

    /** The binary names of the classes under {@code pkg}, from the directory or jar this class was loaded from. */
    private static List<String> classNames(String pkg) {
        String dir = pkg.replace('.', '/');
        List<String> names = new ArrayList<>();
        try {
            Path root = Path.of(LockClasses.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(root)) {
                try (Stream<Path> files = Files.walk(root.resolve(dir))) {
                    files.map(p -> root.relativize(p).toString().replace('\\', '/')).forEach(f -> addClass(names, f));
                }
            } else {
                try (JarFile jar = new JarFile(root.toFile())) {
                    jar.stream().map(e -> e.getName()).filter(n -> n.startsWith(dir + "/")).forEach(f -> addClass(names, f));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the model's classes", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the model's classes", e);
        }
        return names;
    }

    private static void addClass(List<String> names, String file) {
        if (file.endsWith(".class") && !file.endsWith("package-info.class") && !file.endsWith("module-info.class")) {
            names.add(file.substring(0, file.length() - ".class".length()).replace('/', '.'));
        }
    }
}
