# Lesson 012: two writers offline the same memory block while reading its state.
#
# What it shows: user space writes /sys/devices/system/memory/memory4/state. The store takes
# device_hotplug_lock, then the block's device lock, then mem_hotplug_lock (drivers/base/memory.c:
# state_store -> device_offline -> memory_subsys_offline -> memory_block_change_state;
# mm/memory_hotplug.c: offline_pages), so two writers are serialised: the first offlines the
# block (isolate the pageblocks, MEM_GOING_OFFLINE, take the free pages out of the buddy
# allocator, clear SECTION_IS_ONLINE, MEM_OFFLINE, poison the memmap) and the second finds it
# offline already: device_offline returns 1 ("nothing to do"), which state_store turns into
# -EINVAL. The state file is read without any lock, so a reader that runs in the middle of the
# offline sees "going-offline" (memory_block_change_state sets MEM_GOING_OFFLINE before it starts).
#
# What a user can see: exactly one writer gets "ok", the other -EINVAL; the reader sees
# "online", "going-offline" or "offline". Both succeeding, or neither, would mean the locks do not
# serialise the writers: forbidden. The whole-model check at the end of every execution checks
# that no page of the block was lost or left in the allocator.
#
# Not from a seed thread: a lesson on the sysfs side of memory hotplug that seed 000 builds on.
# Variants: mainline only (v4.6 onlines page by page, too slow to explore exhaustively here; the
# locking of the store is the same).
scenario 012-memory-block-offline-twice
title    two offline writes to one memory block: one succeeds, the other gets -EINVAL; going-offline is visible
thread   (lesson; no thread)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +511M           # memory0-memory3
  reserve 0x100000 +15M         # kernel image
  hotplug 0x20000000 +128M      # memory4, added offline by the firmware
end
variant mainline era=mainline
setup
  echo online_movable > /sys/devices/system/memory/memory4/state
end
cpu A "echo offline > memory4/state"
  echo offline > /sys/devices/system/memory/memory4/state -> a
end
cpu B "cat state; echo offline > memory4/state"
  cat /sys/devices/system/memory/memory4/state -> seen
  echo offline > /sys/devices/system/memory/memory4/state -> b
end
expect * passed a=ok b=ok FORBIDDEN "both offlines succeeded: the writers were not serialised"
expect * passed a!=ok b!=ok FORBIDDEN "neither offline succeeded on an idle movable block"
expect * passed ACCEPTABLE "one writer offlined the block, the other found it offline (-EINVAL)"
bound 1
