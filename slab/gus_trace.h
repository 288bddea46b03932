/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gusslab tracepoints: /sys/kernel/tracing/events/gusslab/.
 *
 * Each event copies the cache or domain name (no __string helpers, whose
 * signatures changed across 6.1 .. 7.3).  Disabled events cost a static
 * branch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM gusslab

#if !defined(_GUS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GUS_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(gus_obj,
		    TP_PROTO(const char *cache, const void *obj),
		    TP_ARGS(cache, obj),
		    TP_STRUCT__entry(__array(char, cache, 32)
				     __field(const void *, obj)),
		    TP_fast_assign(strscpy(__entry->cache, cache, sizeof(__entry->cache));
				   __entry->obj = obj;),
		    TP_printk("cache=%s obj=%p",
			      __entry->cache, __entry->obj));

/* slab/slowkeys.c: a probe on either sends its fast path aside. */
int gus_trace_alloc_reg(void);
void gus_trace_alloc_unreg(void);
int gus_trace_free_reg(void);
void gus_trace_free_unreg(void);

DEFINE_EVENT_FN(gus_obj, gus_alloc,
		TP_PROTO(const char *cache, const void *obj),
		TP_ARGS(cache, obj),
		gus_trace_alloc_reg, gus_trace_alloc_unreg);

/* Called before the object is checked: a bad free is traced too. */
DEFINE_EVENT_FN(gus_obj, gus_free,
		TP_PROTO(const char *cache, const void *obj),
		TP_ARGS(cache, obj),
		gus_trace_free_reg, gus_trace_free_unreg);

DECLARE_EVENT_CLASS(gus_mag,
		    TP_PROTO(const char *cache, unsigned int count, unsigned long stamp),
		    TP_ARGS(cache, count, stamp),
		    TP_STRUCT__entry(__array(char, cache, 32)
				     __field(unsigned int, count)
				     __field(unsigned long, stamp)),
		    TP_fast_assign(strscpy(__entry->cache, cache, sizeof(__entry->cache));
				   __entry->count = count;
				   __entry->stamp = stamp;),
		    TP_printk("cache=%s objects=%u stamp=%lu",
			      __entry->cache, __entry->count, __entry->stamp));

/*
 * A full magazine, stamped if the cache is SMR, about to be pushed; when the
 * ring is full it goes on to the depot or the overflow list (stats: ring_full).
 */
DEFINE_EVENT(gus_mag, gus_mag_to_ring,
	     TP_PROTO(const char *cache, unsigned int count, unsigned long stamp),
	     TP_ARGS(cache, count, stamp));

/* A full magazine taken from the ring (its stamp reached, if SMR). */
DEFINE_EVENT(gus_mag, gus_ring_to_mag,
	     TP_PROTO(const char *cache, unsigned int count, unsigned long stamp),
	     TP_ARGS(cache, count, stamp));

DECLARE_EVENT_CLASS(gus_slab,
		    TP_PROTO(const char *cache, int node, unsigned int order),
		    TP_ARGS(cache, node, order),
		    TP_STRUCT__entry(__array(char, cache, 32)
				     __field(int, node)
				     __field(unsigned int, order)),
		    TP_fast_assign(strscpy(__entry->cache, cache, sizeof(__entry->cache));
				   __entry->node = node;
				   __entry->order = order;),
		    TP_printk("cache=%s node=%d order=%u",
			      __entry->cache, __entry->node, __entry->order));

DEFINE_EVENT(gus_slab, gus_slab_grow,
	     TP_PROTO(const char *cache, int node, unsigned int order),
	     TP_ARGS(cache, node, order));

DEFINE_EVENT(gus_slab, gus_slab_shrink,
	     TP_PROTO(const char *cache, int node, unsigned int order),
	     TP_ARGS(cache, node, order));

DECLARE_EVENT_CLASS(gus_goal,
		    TP_PROTO(const char *domain, unsigned long goal, unsigned long seq),
		    TP_ARGS(domain, goal, seq),
		    TP_STRUCT__entry(__array(char, domain, 32)
				     __field(unsigned long, goal)
				     __field(unsigned long, seq)),
		    TP_fast_assign(strscpy(__entry->domain, domain, sizeof(__entry->domain));
				   __entry->goal = goal;
				   __entry->seq = seq;),
		    TP_printk("domain=%s goal=%lu seq=%lu",
			      __entry->domain, __entry->goal, __entry->seq));

/* seq: the write sequence after the advance (or the cookie, lazy). */
DEFINE_EVENT(gus_goal, gus_advance,
	     TP_PROTO(const char *domain, unsigned long goal, unsigned long seq),
	     TP_ARGS(domain, goal, seq));

/* seq: the cached read sequence that did not reach the goal. */
DEFINE_EVENT(gus_goal, gus_poll_fail,
	     TP_PROTO(const char *domain, unsigned long goal, unsigned long seq),
	     TP_ARGS(domain, goal, seq));

/* seq: the write sequence when the wait began. */
DEFINE_EVENT(gus_goal, gus_wait,
	     TP_PROTO(const char *domain, unsigned long goal, unsigned long seq),
	     TP_ARGS(domain, goal, seq));

#endif /* _GUS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE gus_trace
#include <trace/define_trace.h>
