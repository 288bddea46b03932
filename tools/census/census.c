// SPDX-License-Identifier: GPL-2.0
/*
 * census: a QEMU TCG plugin (plugin API 1, QEMU 7.2) that counts the x86-64
 * guest instructions a vCPU executes between two marker instructions, and
 * classifies them, so that a benchmark reports exact work rather than a
 * TCG time.
 *
 * The guest brackets an interval with architectural no-ops:
 *
 *   66 87 db             xchg %bx,%bx      start
 *   0f 1f 80 <id:le32>   nopl id(%rax)     which measurement (any number)
 *   0f 1f 80 <n:le32>    nopl n(%rax)      how many operations it loops over
 *   ...                                    the counted instructions
 *   66 87 c9             xchg %cx,%cx      stop
 *
 * (tools/bench/bench.c: census_mark()).  The two nopls are taken from the
 * start marker's translation block, or, where it ends first, from the
 * start of the next block the vCPU executes; an interval without them is
 * reported with id=-1.  At each stop the plugin prints, to
 * QEMU's log (-d plugin -D FILE), one line:
 *
 *   census seq=S vcpu=V id=I n=N status=ok|interrupted insns=... ...
 *
 * S numbers the intervals of all vCPUs in the order they stopped; each
 * class is the interval's total, not divided by N.  At exit it prints
 * "census summary: ...".
 *
 * Classes: insns (all executed instructions but the markers and the two
 * nopls; a rep-prefixed string instruction counts once however many
 * iterations it runs), pushf, popf, cli, sti, lock (lock-prefixed), xchg
 * (xchg with a memory operand: implicitly locked, no prefix), cmpxchg
 * (cmpxchg, locked or not), cx16 (cmpxchg8b/cmpxchg16b, locked or not),
 * fence (mfence, lfence, sfence), call (direct and indirect), iret, and
 * with mem=on (the default) reads and writes: the memory accesses TCG
 * performs (each iteration of a rep string instruction makes its own).
 *
 * Invariants:
 *  - An interval counts only what its own vCPU executes: all state is per
 *    vCPU and touched only from that vCPU's thread (the callbacks run on
 *    it), except the stop sequence number, which is atomic.
 *  - Every interrupt, exception or NMI the interval took returned with an
 *    iret inside it (x86-64 Linux returns to the kernel only that way), so
 *    an interval with an iret is printed status=interrupted and must be
 *    discarded: its counts include a handler.
 *  - Counting is per translation block, not per instruction: a block's
 *    instructions are split at the markers into segments, and each segment
 *    is added whole, by the block's exec callback (the part before the
 *    first marker) or by the marker's own callback (the part after it).
 *    TCG takes interrupts only between blocks; an exception in mid-block
 *    overcounts the rest of the block, but it also ends in an iret.
 *  - TCG ends a block after a rep string instruction and re-enters it per
 *    iteration as a block of its own: the instruction's callback counts it
 *    unless the last instruction counted on the vCPU was that same one.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum census_class {
	C_INSNS, C_PUSHF, C_POPF, C_CLI, C_STI, C_LOCK, C_XCHG, C_CMPXCHG,
	C_CX16, C_FENCE, C_CALL, C_IRET,
	C_SEG,			/* the classes a segment carries */
	C_READS = C_SEG, C_WRITES,
	C_ALL
};

static const char *const class_name[C_ALL] = {
	"insns", "pushf", "popf", "cli", "sti", "lock", "xchg", "cmpxchg",
	"cx16", "fence", "call", "iret", "reads", "writes",
};

/* The counts of a run of instructions, added whole when it executes. */
struct census_seg {
	unsigned int c[C_SEG];
};

enum mark_kind { MARK_START, MARK_STOP };

/* A marker's callback: what it does, then the segment after it. */
struct census_mark {
	enum mark_kind kind;
	int nargs;		/* start: the nopls after it in the same block */
	unsigned int arg[2];	/* their id and n */
	struct census_seg after;
};

struct census_vcpu {
	bool active;
	int want;		/* nopls the interval still needs: its id, n */
	long long id;
	unsigned int n;
	unsigned long long rep_pc;	/* the rep string instruction counted last */
	unsigned long long c[C_ALL];
};

static struct census_vcpu *vcpus;
static unsigned int nr_vcpus;
static bool count_mem = true;
static unsigned long long seq, nr_ok, nr_interrupted, nr_restarted, nr_stray;

/* What the decoder learns of one instruction. */
struct insn_info {
	bool start, stop, rep_string;
	bool is_arg;		/* nopl disp32(%rax) */
	unsigned int arg;
	struct census_seg seg;	/* its classes, insns = 1 */
};

/* A legacy prefix other than lock and rep. */
static bool is_prefix(unsigned char b)
{
	return b == 0x66 || b == 0x67 || b == 0x2e || b == 0x36 || b == 0x3e ||
	       b == 0x26 || b == 0x64 || b == 0x65;
}

static bool bytes_are(const unsigned char *b, size_t len, const char *want, size_t n)
{
	return len == n && !memcmp(b, want, n);
}

/*
 * Decodes as much of an x86-64 instruction as the classes need: legacy
 * prefixes, REX, the opcode and the ModRM byte.
 */
static void decode(const unsigned char *b, size_t len, struct insn_info *in)
{
	bool lock = false, rep = false;
	size_t p = 0;
	unsigned char op, modrm = 0, reg, mod;
	unsigned int *c = in->seg.c;

	memset(in, 0, sizeof(*in));
	c[C_INSNS] = 1;
	if (bytes_are(b, len, "\x66\x87\xdb", 3)) {
		in->start = true;
		return;
	}
	if (bytes_are(b, len, "\x66\x87\xc9", 3)) {
		in->stop = true;
		return;
	}
	if (len == 7 && b[0] == 0x0f && b[1] == 0x1f && b[2] == 0x80) {
		in->is_arg = true;
		in->arg = b[3] | b[4] << 8 | b[5] << 16 | (unsigned int)b[6] << 24;
	}
	for (; p < len; p++) {
		if (b[p] == 0xf0)
			lock = true;
		else if (b[p] == 0xf2 || b[p] == 0xf3)
			rep = true;
		else if (!is_prefix(b[p]))
			break;
	}
	if (p < len && (b[p] & 0xf0) == 0x40)
		p++;			/* REX */
	if (p >= len)
		return;
	op = b[p];
	if (p + 1 < len)
		modrm = b[p + 1];
	mod = modrm >> 6;
	reg = (modrm >> 3) & 7;
	c[C_LOCK] = lock;
	switch (op) {
	case 0x9c:
		c[C_PUSHF] = 1;
		break;
	case 0x9d:
		c[C_POPF] = 1;
		break;
	case 0xfa:
		c[C_CLI] = 1;
		break;
	case 0xfb:
		c[C_STI] = 1;
		break;
	case 0xcf:
		c[C_IRET] = 1;
		break;
	case 0xe8:
		c[C_CALL] = 1;
		break;
	case 0xff:		/* /2 call near, /3 call far */
		c[C_CALL] = reg == 2 || reg == 3;
		break;
	case 0x86:
	case 0x87:
		c[C_XCHG] = mod != 3;
		break;
	case 0x6c ... 0x6f:	/* ins, outs */
	case 0xa4 ... 0xa7:	/* movs, cmps */
	case 0xaa ... 0xaf:	/* stos, lods, scas */
		in->rep_string = rep;
		break;
	case 0x0f:
		if (p + 2 >= len)
			break;
		op = b[p + 1];
		modrm = b[p + 2];
		mod = modrm >> 6;
		reg = (modrm >> 3) & 7;
		if (op == 0xb0 || op == 0xb1)
			c[C_CMPXCHG] = 1;
		else if (op == 0xc7 && reg == 1 && mod != 3)
			c[C_CX16] = 1;
		else if (op == 0xae && mod == 3 && reg >= 5)
			c[C_FENCE] = 1;
		break;
	}
}

static void seg_add(struct census_seg *to, const struct census_seg *from)
{
	for (int i = 0; i < C_SEG; i++)
		to->c[i] += from->c[i];
}

static void vcpu_add(struct census_vcpu *v, const struct census_seg *s)
{
	for (int i = 0; i < C_SEG; i++)
		v->c[i] += s->c[i];
	if (s->c[C_INSNS])
		v->rep_pc = 0;
}

static struct census_vcpu *vcpu_of(unsigned int idx)
{
	return idx < nr_vcpus ? &vcpus[idx] : NULL;
}

/* The block's exec callback: the segment before its first marker. */
static void on_tb(unsigned int idx, void *udata)
{
	struct census_vcpu *v = vcpu_of(idx);

	if (v && v->active)
		vcpu_add(v, udata);
}

static void report(unsigned int idx, struct census_vcpu *v)
{
	char line[512];
	int len, i;
	bool bad = v->c[C_IRET] != 0;

	len = snprintf(line, sizeof(line),
		       "census seq=%llu vcpu=%u id=%lld n=%u status=%s",
		       __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED), idx, v->id, v->n,
		       bad ? "interrupted" : "ok");
	for (i = 0; i < C_ALL; i++) {
		if ((i == C_READS || i == C_WRITES) && !count_mem)
			continue;
		len += snprintf(line + len, sizeof(line) - len, " %s=%llu",
				class_name[i], v->c[i]);
	}
	snprintf(line + len, sizeof(line) - len, "\n");
	qemu_plugin_outs(line);
	__atomic_fetch_add(bad ? &nr_interrupted : &nr_ok, 1, __ATOMIC_RELAXED);
}

static void on_mark(unsigned int idx, void *udata)
{
	struct census_vcpu *v = vcpu_of(idx);
	struct census_mark *m = udata;

	if (!v)
		return;
	if (m->kind == MARK_START) {
		if (v->active)
			__atomic_fetch_add(&nr_restarted, 1, __ATOMIC_RELAXED);
		memset(v->c, 0, sizeof(v->c));
		v->active = true;
		v->want = 2 - m->nargs;
		v->id = m->nargs > 0 ? (long long)m->arg[0] : -1;
		v->n = m->nargs > 1 ? m->arg[1] : 0;
		v->rep_pc = 0;
	} else if (v->active) {
		report(idx, v);
		v->active = false;
	} else {
		__atomic_fetch_add(&nr_stray, 1, __ATOMIC_RELAXED);
	}
	if (v->active)
		vcpu_add(v, &m->after);
}

/* A nopl first in a block: the id or n of an interval, or counted. */
static void on_arg(unsigned int idx, void *udata)
{
	struct census_vcpu *v = vcpu_of(idx);
	unsigned int arg = (uintptr_t)udata;

	if (!v || !v->active)
		return;
	if (v->want == 2)
		v->id = arg;
	else if (v->want == 1)
		v->n = arg;
	else
		v->c[C_INSNS]++;
	if (v->want)
		v->want--;
	else
		v->rep_pc = 0;
}

static void on_rep(unsigned int idx, void *udata)
{
	struct census_vcpu *v = vcpu_of(idx);
	unsigned long long pc = (uintptr_t)udata;

	if (!v || !v->active)
		return;
	if (v->rep_pc != pc)
		v->c[C_INSNS]++;
	v->rep_pc = pc;
}

static void on_mem(unsigned int idx, qemu_plugin_meminfo_t info, uint64_t vaddr,
		   void *udata)
{
	struct census_vcpu *v = vcpu_of(idx);

	(void)vaddr;
	(void)udata;
	if (v && v->active)
		v->c[qemu_plugin_mem_is_store(info) ? C_WRITES : C_READS]++;
}

/*
 * Splits the block at its markers: the block's callback adds the segment
 * before the first marker, each marker's callback the one after it.  A
 * start marker takes the two nopls after it as its id and n; a block's
 * first two nopls get callbacks of their own, which take them for a start
 * marker that ended the block before, and otherwise count them.
 */
static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb), lead = 0;
	struct census_seg *cur = calloc(1, sizeof(*cur));
	struct census_mark *m = NULL;
	struct insn_info in;
	int take = 0;		/* nopls still to take for the start marker m */

	(void)id;
	if (!cur)
		abort();
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, cur);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		decode(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn), &in);
		if (count_mem)
			qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
							 QEMU_PLUGIN_MEM_RW, NULL);
		if (in.is_arg && take) {	/* the id or n: not counted */
			m->arg[m->nargs++] = in.arg;
			take--;
			continue;
		}
		take = 0;
		if (in.is_arg && i == lead && lead < 2) {
			/* Perhaps the id or n of a start marker in the block before. */
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_arg, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)in.arg);
			lead++;
			continue;
		}
		if (in.rep_string) {
			void *pc = (void *)(uintptr_t)qemu_plugin_insn_vaddr(insn);

			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_rep,
							       QEMU_PLUGIN_CB_NO_REGS, pc);
			continue;
		}
		if (!in.start && !in.stop) {
			seg_add(cur, &in.seg);
			continue;
		}
		m = calloc(1, sizeof(*m));
		if (!m)
			abort();
		m->kind = in.start ? MARK_START : MARK_STOP;
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, m);
		cur = &m->after;
		take = in.start ? 2 : 0;
	}
}

static void census_exit(qemu_plugin_id_t id, void *udata)
{
	char line[256];

	(void)id;
	(void)udata;
	snprintf(line, sizeof(line),
		 "census summary: intervals=%llu ok=%llu interrupted=%llu restarted=%llu stray_stops=%llu\n",
		 seq, nr_ok, nr_interrupted, nr_restarted, nr_stray);
	qemu_plugin_outs(line);
}

/* Arguments: mem=on|off (count memory accesses; default on). */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	if (!info->system_emulation || strcmp(info->target_name, "x86_64")) {
		fprintf(stderr, "census: x86_64 system emulation only\n");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mem=", 4) &&
		    qemu_plugin_bool_parse("mem", argv[i] + 4, &count_mem))
			continue;
		fprintf(stderr, "census: unknown argument '%s' (known: mem=on|off)\n", argv[i]);
		return -1;
	}
	nr_vcpus = info->system.max_vcpus;
	vcpus = calloc(nr_vcpus, sizeof(*vcpus));
	if (!vcpus)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, census_exit, NULL);
	return 0;
}
