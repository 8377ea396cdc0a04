package mmsim.iface.sysfs;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;

/**
 * A device's power/ directory (drivers/base/power/sysfs.c, dpm_sysfs_add) as a distro kernel
 * shows it for the memory subsystem's devices: without CONFIG_PM_ADVANCED_DEBUG the base group
 * is empty, and since memory and node devices do not declare "no runtime PM callbacks" the
 * runtime group is merged in: control (0644, "auto"; "on" forbids runtime PM, anything else
 * -EINVAL), runtime_status (runtime PM is disabled for them: "unsupported"),
 * runtime_active_time and runtime_suspended_time ("0"), autosuspend_delay_ms (0644; -EIO to
 * read and write without use_autosuspend). Locking: none (the model has no runtime PM).
 */
public final class DevicePower {
    private DevicePower() { }

    /** Adds {@code dir}/power/ with the runtime attributes. */
    public static void add(VirtualFs fs, String dir) {
        String p = dir + "/power";
        boolean[] auto = {true};
        fs.attribute(p + "/control", 0644, () -> (auto[0] ? "auto" : "on") + "\n", buf -> {
            String w = buf.endsWith("\n") ? buf.substring(0, buf.length() - 1) : buf;
            if (w.equals("auto")) auto[0] = true;
            else if (w.equals("on")) auto[0] = false;
            else return (long) Errno.EINVAL.neg();
            return (long) buf.length();
        });
        fs.attribute(p + "/runtime_status", 0444, () -> "unsupported\n", null);
        fs.attribute(p + "/runtime_active_time", 0444, () -> "0\n", null);
        fs.attribute(p + "/runtime_suspended_time", 0444, () -> "0\n", null);
        fs.addFile(p + "/autosuspend_delay_ms", 0644, false, (off, count) -> VirtualFs.ReadResult.error(Errno.EIO),
                data -> Errno.EIO.neg());
    }
}
