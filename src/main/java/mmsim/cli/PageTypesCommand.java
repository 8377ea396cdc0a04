package mmsim.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import mmsim.iface.tools.HostFs;
import mmsim.iface.tools.ModelFs;
import mmsim.iface.tools.PageTypes;
import mmsim.iface.tools.ToolFs;
import mmsim.mm.Machine;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code mmsim page-types}: the kernel's page-types tool (mmsim.iface.tools.PageTypes) on the
 * booted model's /proc files, this machine's real ones, or saved dumps. Every argument goes to
 * the tool unparsed, so it takes exactly the C tool's command lines (getopt_long rules) and
 * {@code mmsim page-types -h} prints the tool's own usage.
 */
@Command(name = "page-types",
        description = {"The kernel's page-types tool (tools/mm/page-types.c), reimplemented: per-flags summary,",
                "page lists and flag descriptions from /proc/kpageflags, kpagecount and kpagecgroup of the",
                "booted model (default: the 'small' layout, or --layout FILE), of this machine",
                "(--source host, as root) or of saved dumps (-F FILE).",
                "Run 'mmsim page-types -h' for the tool's options."},
        footer = {"", "Examples:", "  mmsim page-types", "  mmsim page-types --layout layouts/two-node-hotplug.layout -b buddy -l",
                "  mmsim page-types --source host -b buddy -l",
                "  mmsim cat /proc/kpageflags > kpageflags.dump",
                "  mmsim page-types -F kpageflags.dump --order kernel", "  mmsim page-types -d anon,lru",
                "  mmsim page-types --modprobe hwpoison-inject -X -a 0x10000+4 -l"})
public final class PageTypesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--layout", paramLabel = "LAYOUT",
            description = "layout file of the model to boot, or 'small' (default); ignored for host files")
    String layout = "small";

    @CommandLine.Option(names = "--era", paramLabel = "ERA", description = "kernel era of the model: mainline (default) or v4.6")
    String era = "mainline";

    @CommandLine.Option(names = "--modprobe", paramLabel = "MODULE",
            description = "load a module on the model first: hwpoison-inject (debugfs hwpoison/, for -X and -x)")
    String modprobe;

    @CommandLine.Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        var out = System.out;
        return PageTypes.run(args.toArray(String[]::new), this::openSource, "v4.6".equals(era), out, System.err);
    }

    /**
     * The files of the chosen source: this machine's, or those of a machine booted from
     * {@code --layout} (only when the tool first needs a file: -h and -d boot nothing).
     */
    ToolFs openSource(PageTypes.Source source) {
        if (source.kind() == PageTypes.SourceKind.HOST) return new HostFs();
        try {
            Machine m = Machine.boot(BootCommand.loadLayout(layout), BootCommand.config(era));
            if (modprobe != null) {
                if (!modprobe.equals(mmsim.iface.debugfs.HwpoisonInject.MODULE)) {
                    throw new PageTypes.SourceException("--modprobe: unknown module '" + modprobe + "' (known: hwpoison-inject)");
                }
                mmsim.iface.debugfs.HwpoisonInject.of(m).modprobe(mmsim.iface.VirtualFs.of(m));
            }
            return new ModelFs(m);
        } catch (UsageError e) {
            throw new PageTypes.SourceException(e.getMessage());
        }
    }
}
