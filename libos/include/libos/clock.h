/*
 * Clocks of the libOS. CLOCK_REALTIME is the monotonic clock plus an offset: at boot the
 * offset comes from exo's RTC (exo_rtc_seconds, whole seconds; a fixed 2026-01-01 epoch
 * when there is no RTC), and clock_settime/settimeofday move it, never the RTC. CPU-time
 * clocks are the scheduler's charged time including the slice running now (libos/time.c).
 */
#ifndef LIBOS_CLOCK_H
#define LIBOS_CLOCK_H
#include <stdint.h>
#include <exo/cpu.h>

#define LIBOS_FALLBACK_EPOCH_S 1767225600ULL /* 2026-01-01T00:00:00Z, without an RTC */

/* ns to add to exo_time_ns() to get CLOCK_REALTIME (libos/time.c). */
extern int64_t libos_realtime_offset_ns;

/* CLOCK_REALTIME now, in ns since 1970. */
static inline uint64_t realtime_ns(void)
{
    return exo_time_ns() + (uint64_t)__atomic_load_n(&libos_realtime_offset_ns, __ATOMIC_RELAXED);
}

/* The monotonic time at which CLOCK_REALTIME reads rt_ns, as the offset stands now; at
 * least 1, so that it can serve as an await deadline. */
static inline uint64_t realtime_to_monotonic(uint64_t rt_ns)
{
    int64_t m = (int64_t)rt_ns - __atomic_load_n(&libos_realtime_offset_ns, __ATOMIC_RELAXED);
    return m > 0 ? (uint64_t)m : 1;
}

/* Reads the RTC once at boot and starts CLOCK_REALTIME from it. */
void clock_init(void);

struct task;
struct process;
/* CPU time of a task / a process (its live threads plus those that exited), in ns,
 * including the slice running now on any CPU. */
uint64_t task_cpu_ns(struct task *t);
uint64_t proc_cpu_ns(struct process *p);

/* The value of a Linux clock id for the calling task, CPU-time clock ids of other threads
 * and processes included: 0 or -EINVAL (unknown clock, or no such thread/process). */
int clock_now(int clk, uint64_t *ns);

#endif
