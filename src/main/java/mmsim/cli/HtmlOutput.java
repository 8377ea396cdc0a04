package mmsim.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import mmsim.report.HtmlReport;
import mmsim.report.MemoryMap;
import mmsim.scenario.ScenarioProgram;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ScenarioRunner.VariantResult;

/**
 * {@code --html}: where check and explore write the report page, and the rows it is built from.
 * Locking: none; runs after the explorations, when no simulated CPU runs.
 */
final class HtmlOutput {
    private HtmlOutput() { }

    /** check --html DIR: the page is DIR/index.html; DIR is created. Checked before any exploring. */
    static Path inDirectory(String dir) {
        Path d = Path.of(dir);
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new UsageError("--html: cannot create directory '" + dir + "': " + reason(e));
        }
        Path page = d.resolve("index.html");
        probe(page);
        return page;
    }

    /** explore --html FILE. Checked before any exploring. */
    static Path file(String file) {
        Path p = Path.of(file);
        if (Files.isDirectory(p)) throw new UsageError("--html: '" + file + "' is a directory (explore writes one page; check --html takes a directory)");
        probe(p);
        return p;
    }

    /** Fails now, with the path, if the page cannot be written later (leaves no empty file behind). */
    private static void probe(Path page) {
        boolean existed = Files.exists(page);
        try {
            Files.newOutputStream(page, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND).close();
            if (!existed) Files.delete(page);
        } catch (IOException e) {
            throw new UsageError("--html: cannot write '" + page + "': " + reason(e));
        }
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "Permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "No such file or directory";
        if (e instanceof java.nio.file.FileAlreadyExistsException) return "File exists (not a directory)";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage();
    }

    /** Builds the page of {@code rows} (with NECESSARY cells where given) and writes it. */
    static void write(Path page, String title, List<VariantResult> rows, Map<VariantResult, String> necessary, boolean reproducible) {
        List<HtmlReport.Row> html = new ArrayList<>();
        for (VariantResult r : rows) {
            List<MemoryMap> maps = new ArrayList<>();
            for (Finding f : r.findings()) maps.add(MemoryMap.atFailure(r.scenario(), r.variant(), f.failure().schedule()));
            String release = ScenarioProgram.config(r.scenario(), r.variant()).era().release;
            html.add(new HtmlReport.Row(Reports.json(r, reproducible), "v" + release.replaceFirst("\\.0$", ""), necessary.get(r), maps));
        }
        try {
            Files.writeString(page, HtmlReport.page(title, html));
        } catch (IOException e) {
            throw new UsageError("--html: cannot write '" + page + "': " + reason(e));
        }
    }
}
