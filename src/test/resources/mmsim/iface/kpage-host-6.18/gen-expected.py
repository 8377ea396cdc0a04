#!/usr/bin/env python3
# Writes the expected page-types outputs for the captured slice, from the format rules of
# page-types (docs: kernel reference B.3/B.4), independently of mmsim's Java implementation.
# Run from this directory: python3 gen-expected.py
import array, os

names = {}
for i, n in enumerate("L:locked E:error R:referenced U:uptodate D:dirty l:lru A:active S:slab W:writeback "
                      "I:reclaim B:buddy M:mmap a:anonymous s:swapcache b:swapbacked H:compound_head "
                      "T:compound_tail G:huge u:unevictable X:hwpoison n:nopage x:ksm t:thp o:offline "
                      "z:zero_page i:idle_page g:pgtable".split()):
    names[i] = n
# today's tool (6.12+): bit 39 (c:uncached) has no name since PG_uncached was removed
for i, n in enumerate("r:reserved m:mlocked d:owner_2 P:private p:private_2 O:owner_private h:arch "
                      "- f:softdirty H:arch_2".split()):
    if n != "-":
        names[32 + i] = n
names.update({47: "d:anon_exclusive", 48: "I:readahead", 50: "A:slub_frozen", 51: "E:slub_debug",
              61: "F:file", 62: "w:swap", 63: "1:mmap_exclusive"})

def load(n):
    a = array.array('Q'); a.frombytes(open(n, 'rb').read()); return a

flags, counts, cgroups = load('kpageflags'), load('kpagecount'), load('kpagecgroup')
B = lambda b: 1 << b

def sym(f):
    return ''.join((names[i][0] if f >> i & 1 else '_') for i in range(64) if i in names)

def long_(f):
    return ','.join(names[i][2:] for i in range(64) if i in names and f >> i & 1)

def well_known(f):
    f &= ~(0xffff << 32)
    if f & (B(15) | B(16)) and not f & B(17):
        f &= ~(B(15) | B(16))
    return f

def raw(f):
    if f & B(12) and f & B(34): f ^= B(34) | B(47)
    if f & B(7):
        if f & B(6): f ^= B(6) | B(50)
        if f & B(1): f ^= B(1) | B(51)
    if f & (B(9) | B(8)) == B(9): f ^= B(9) | B(48)
    return f

def summary(vals, kernel_order):
    rows = {}
    table = [0] * 8192
    order = []
    for v in vals:
        if v not in rows:
            rows[v] = 0
            if v == 0: slot = 0
            else:
                k = v & 8191
                while True:
                    if k == 0: k = 1
                    if table[k] == 0: table[k] = v; break
                    k = (k + 1) % 8192
            order.append((slot if v == 0 else k, v))
        rows[v] += 1
    keys = [v for _, v in sorted(order)] if kernel_order else sorted(rows)
    out = "             flags\tpage-count       MB  symbolic-flags\t\t\tlong-symbolic-flags\n"
    for v in keys:
        out += "0x%016x\t%10d %8d  %s\t%s\n" % (v, rows[v], rows[v] * 4096 >> 20, sym(v), long_(v))
    out += "             total\t%10d %8d\n" % (len(vals), len(vals) * 4096 >> 20)
    return out

def write(name, text):
    open('expected-' + name + '.txt', 'w').write(text)

nonraw = [well_known(f) for f in flags]
write('summary', summary(nonraw, False))
write('summary-kernel-order', summary(nonraw, True))
write('summary-raw', summary([raw(f) for f in flags], False))

# -l -a 0x100,0x180: ranges of equal flags, then two newlines and the summary of those pages
sel = range(0x100, 0x180)
out = "offset\tlen\tflags\n"
start = None
for p in list(sel) + [None]:
    if p is not None and start is not None and nonraw[p] == nonraw[start] and p == start + n:
        n += 1; continue
    if start is not None:
        out += "%x\t%x\t%s\n" % (start, n, sym(nonraw[start]))
    start, n = p, 1
out += "\n\n" + summary([nonraw[p] for p in sel], False)
write('list-100-180', out)

# -L -C -M -N -a 0x200+0x40 with the count and cgroup dumps
out = "cgroup\tmap-cnt\toffset\tflags\n"
for p in range(0x200, 0x240):
    out += "@%d\t%d\t%x\t%s\n" % (cgroups[p], counts[p], p, sym(nonraw[p]))
write('list-each-200', out)

# -b thp -l -N: raw THP ranges hidden compound bits; -b 'lru,~active' summary; -b '=buddy' summary
thp = [p for p in range(len(flags)) if nonraw[p] & B(22)]
write('bits-lru-not-active', summary([v for v in nonraw if v & (B(5) | B(6)) == B(5)], False))
write('bits-exactly-buddy', summary([v for v in nonraw if v == B(10)], False))
