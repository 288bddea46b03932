/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of gusslab_bench.ko share: the report format, the object
 * size, and the census markers with the measurements' ids (the plugin,
 * tools/census/census.c, knows only the ids; bench.c names them).
 */
#ifndef _GUSSLAB_BENCH_H
#define _GUSSLAB_BENCH_H

#include <linux/types.h>

#define OBJ_SIZE	64	/* the caches' objects, SLUB's and ours */

extern unsigned int loops;

u64 per_op(u64 t0, unsigned long n);
void bench_report(const char *cas, const char *what, u64 ps, u64 base_ps);
void bench_burst(void);
void bench_shuffle(void);

#ifdef CONFIG_X86
enum census_id {
	CENSUS_EMPTY, CENSUS_GUS_PAIR, CENSUS_SLUB_PAIR, CENSUS_GUS_KMALLOC,
	CENSUS_KMALLOC, CENSUS_GUS_DEFAULT, CENSUS_GUS_DEFERRED, CENSUS_GUS_LAZY,
	CENSUS_RCU, CENSUS_SRCU, CENSUS_CHECK,
	CENSUS_GUS_BULK128, CENSUS_SLUB_BULK128, CENSUS_GUS_BULK256,
	CENSUS_SLUB_BULK256,
	CENSUS_GUS_BURST_ALLOC, CENSUS_GUS_BURST_FREE, CENSUS_SLUB_BURST_ALLOC,
	CENSUS_SLUB_BURST_FREE, CENSUS_GUS_SHUFFLE, CENSUS_SLUB_SHUFFLE,
	CENSUS_GUS_SCAN, CENSUS_GUS_POLL_HIT, CENSUS_RCU_POLL,
	CENSUS_NR
};

/*
 * The census markers, all architectural no-ops: xchg %bx,%bx starts an
 * interval, then nopl @id(%rax) and nopl @n(%rax), with 32-bit
 * displacements, tell the plugin which measurement and how many
 * operations it spans; xchg %cx,%cx stops it.  @id and @n must be
 * compile-time constants.
 */
static __always_inline void census_mark(const bool start, const enum census_id id,
					const unsigned int n)
{
	if (start)
		asm volatile(".byte 0x66, 0x87, 0xdb\n\t"
			     ".byte 0x0f, 0x1f, 0x80\n\t.long %c0\n\t"
			     ".byte 0x0f, 0x1f, 0x80\n\t.long %c1"
			     : : "i" (id), "i" (n) : "memory");
	else
		asm volatile(".byte 0x66, 0x87, 0xc9" : : : "memory");
}

extern const char *const census_names[CENSUS_NR];
void census_report(enum census_id id, unsigned int rep, u64 ps);

void bench_census_burst(void);
void bench_census_shuffle(void);
#endif

#endif /* _GUSSLAB_BENCH_H */
