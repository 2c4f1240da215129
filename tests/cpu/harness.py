"""Run SingleStepTests-format recordings through our CPU and diff the result.

Each recording can run through either tier of the CPU: ``interp`` (the
interpreter's step()) or ``translate`` (the instruction under test is
translated on its own into a one-instruction region of the translating
tier and run from there; instructions the tier does not translate fall
back to the interpreter, as they do in a real run).

Used by test_singlestep.py; also runnable to summarise a whole directory:

    python tests/cpu/harness.py 8086|80186 [--translate] [FILE-PREFIX ...]
"""
import gzip
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from pcemu.bus import IoPorts, Memory
from pcemu.cpu import CPU

REG_ORDER = ("ax", "cx", "dx", "bx", "sp", "bp", "si", "di")
SREG_ORDER = ("es", "cs", "ss", "ds")


def load_tests(path):
    with gzip.open(str(path), "rt") as f:
        return json.load(f)


def load_metadata(model_dir):
    with open(str(pathlib.Path(model_dir) / "metadata.json")) as f:
        return json.load(f)


def file_key(path):
    """'F6.4.json.gz' -> ('F6', '4');  '00.json.gz' -> ('00', None)."""
    stem = path.name[: -len(".json.gz")]
    parts = stem.split(".")
    return parts[0], (parts[1] if len(parts) > 1 else None)


def opcode_info(meta, path):
    op, reg = file_key(path)
    if reg is not None and op + "." + reg in meta["opcodes"]:
        return meta["opcodes"][op + "." + reg]
    info = meta["opcodes"].get(op, {})
    if reg is not None and "reg" in info:
        info = info["reg"].get(reg, info)
    return info


def selected_files(model_dir, model):
    model_dir = pathlib.Path(model_dir)
    meta = load_metadata(model_dir)
    out = []
    for path in sorted(model_dir.glob("*.json.gz")):
        info = opcode_info(meta, path)
        if model == "8086" and info.get("status") not in ("normal", "alias", "undocumented"):
            continue
        out.append(path)
    return out, meta


class _NoIntc:
    def acknowledge(self):
        raise AssertionError("no interrupt controller in single-step tests")


def make_cpu(model, initial, table=None):
    mem = Memory()
    io = IoPorts()
    cpu = CPU(mem, io, model=model)
    if table is not None:
        cpu.set_table(table)
    regs = initial["regs"]
    for i, name in enumerate(REG_ORDER):
        cpu.regs[i] = regs[name]
    for i, name in enumerate(SREG_ORDER):
        cpu.sregs[i] = regs[name]
    cpu.ip = regs["ip"]
    cpu.set_flags(regs["flags"])
    for addr, value in initial["ram"]:
        mem.data[addr] = value
    return cpu, mem


def has_rep(code):
    for b in code:
        if b in (0xF2, 0xF3):
            return True
        if b not in (0x26, 0x2E, 0x36, 0x3E, 0xF0, 0xF1):
            return False
    return False


TIERS = ("interp", "translate")


def run_translated(cpu):
    """Run the instruction at CS:IP as a one-instruction translated region.

    Returns True if it was translated (and ran), False if the tier does not
    translate it (the caller then interprets it). Never with an interrupt,
    trap or shadow pending: the tier is not entered then either.
    """
    if cpu.pending:
        return False
    tr = cpu.enable_translation()
    cs, ip = cpu.sregs[1], cpu.ip
    region = tr.translate(cs, ip, max_nodes=1)
    if region is None:
        return False
    fn, pc, _ = region.entries[(cs << 16) | ip]
    # a budget of one instruction: a jump to itself (JO $ with OF set) loops for ever
    # otherwise, in the region as on the chip
    ran = fn(cpu, cpu.icount + 1, pc)
    assert ran == 1, "a one-instruction region ran %d instructions" % ran
    return True


def run_one(model, test, tier="interp", table=None):
    """Execute one test (through ``table``'s handlers if given); returns the CPU, memory and
    whether it ran translated."""
    cpu, mem = make_cpu(model, test["initial"], table)
    translated = tier == "translate" and run_translated(cpu)
    if translated:
        if model == "80186":
            # then the rest up to the recording's HLT, interpreted
            for _ in range(200000):
                if cpu.halted:
                    break
                cpu.step()
    elif model == "80186":
        # the recording runs the instruction and then a HLT
        for _ in range(200000):
            cpu.step()
            if cpu.halted:
                break
    else:
        start_cs, start_ip = cpu.sregs[1], cpu.ip
        cpu.step()
        # a REP string op may come back to its first prefix; finish it
        # (only those: LOOP and JMP may legitimately land on themselves)
        for _ in range(200000 if has_rep(test["bytes"]) else 0):
            if cpu.sregs[1] != start_cs or cpu.ip != start_ip or cpu.halted:
                break
            cpu.step()
    return cpu, mem, translated


def is_286_wrap_fault(test):
    """True for an 80186-set recording where the 80286 raised its real-mode
    segment-overrun fault (INT 0Dh: a word access at offset FFFFh).

    The 80186 has no such fault (it wraps inside the segment) and on a PC
    vector 0Dh belongs to IRQ 5, so the 80186 model does not copy the 286
    here; these recordings are left out.
    """
    ram = dict(test["initial"]["ram"])
    if not all(a in ram for a in (0x34, 0x35, 0x36, 0x37)):
        return False
    vec_ip = ram[0x34] | (ram[0x35] << 8)
    vec_cs = ram[0x36] | (ram[0x37] << 8)
    final = test["final"]["regs"]
    return final.get("cs") == vec_cs and final.get("ip") in (vec_ip, (vec_ip + 1) & 0xFFFF)


def check(model, test, flags_mask, tier="interp", counter=None, table=None):
    """Returns None when the test passes, else a multi-line description.

    ``counter`` (a list) gets True appended for each test that ran translated.
    """
    cpu, mem, translated = run_one(model, test, tier, table)
    if counter is not None and translated:
        counter.append(True)
    init = test["initial"]["regs"]
    final = dict(init)
    final.update(test["final"]["regs"])
    got = {}
    for i, name in enumerate(REG_ORDER):
        got[name] = cpu.regs[i]
    for i, name in enumerate(SREG_ORDER):
        got[name] = cpu.sregs[i]
    got["ip"] = cpu.ip
    got["flags"] = cpu.get_flags()
    diffs = []
    for name in REG_ORDER + SREG_ORDER + ("ip",):
        if got[name] != final[name]:
            diffs.append("  %-5s expected %04X got %04X" % (name, final[name], got[name]))
    if (got["flags"] ^ final["flags"]) & flags_mask:
        diffs.append("  flags expected %04X got %04X (mask %04X, differing bits %04X)" % (
            final["flags"], got["flags"], flags_mask, (got["flags"] ^ final["flags"]) & flags_mask))
    for addr, value in test["final"]["ram"]:
        if mem.data[addr] != value:
            diffs.append("  [%05X] expected %02X got %02X" % (addr, value, mem.data[addr]))
    if not diffs:
        return None
    head = "%s%s: %s\n  bytes: %s\n  initial: %s" % (
        "[translated] " if translated else "", test.get("name", "?"), test.get("idx", test.get("test_num", "?")),
        " ".join("%02X" % b for b in test["bytes"]),
        " ".join("%s=%04X" % (k, v) for k, v in init.items()))
    return head + "\n" + "\n".join(diffs)


def mask_for(info):
    return info.get("flags-mask", 0xFFFF)


def main(argv):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
    from conftest import CPU_TESTS_DIR

    model = argv[0]
    tier = "translate" if "--translate" in argv else "interp"
    prefixes = [a for a in argv[1:] if a != "--translate"]
    translated = []
    files, meta = selected_files(CPU_TESTS_DIR / model, model)
    total = failed = skipped = 0
    for path in files:
        if prefixes and not any(path.name.startswith(p) for p in prefixes):
            continue
        info = opcode_info(meta, path)
        bad = []
        tests = load_tests(path)
        for t in tests:
            if model == "80186" and is_286_wrap_fault(t):
                skipped += 1
                continue
            try:
                res = check(model, t, mask_for(info), tier, translated)
            except Exception as exc:  # report and go on with the next test
                res = "%s: exception %r" % (t.get("name"), exc)
            if res:
                bad.append(res)
        total += len(tests)
        failed += len(bad)
        if bad:
            print("%s: %d/%d failed" % (path.name, len(bad), len(tests)))
            for b in bad[:2]:
                print(b)
    print("%s (%s): %d passed, %d failed, %d skipped (286-only fault), %d ran translated" % (
        model, tier, total - failed - skipped, failed, skipped, len(translated)))


if __name__ == "__main__":
    main(sys.argv[1:])
