/*-------------------------------------------------------------------------
 *
 * affinity.c
 *	  Pins a stream worker to its CPU and makes its memory NUMA-local.
 *
 * Worker i is pinned to the i-th CPU of the process's allowed set
 * (sched_getaffinity), wrapping around.  Its memory policy is set to
 * prefer the CPU's NUMA node (libnuma), so the state it allocates is local.
 * Whatever is missing or not permitted (a container without
 * CAP_SYS_NICE-like rights, a single-node machine, no libnuma support in
 * the kernel) degrades to "not pinned" or "no NUMA policy": the outcome is
 * logged once by the worker and shown in laminar.workers.placement.
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "postgres.h"

#include <sched.h>
#include <numa.h>

#include "laminar.h"

/*
 * lm_affinity_apply pins the calling process and sets its NUMA policy; it
 * reports what it did in placement.
 */
void
lm_affinity_apply(int worker, char *placement, Size len, int *cpu, int *numa_node, bool *pinned)
{
	cpu_set_t allowed;
	int ncpu = 0;
	int target = -1;
	const char *pin_note;
	const char *numa_note;

	*cpu = -1;
	*numa_node = -1;
	*pinned = false;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
	{
		int want;

		ncpu = CPU_COUNT(&allowed);
		want = ncpu > 0 ? worker % ncpu : 0;
		for (int c = 0, seen = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &allowed))
			{
				if (seen++ == want)
				{
					target = c;
					break;
				}
			}
	}

	if (!lm_cpu_pinning)
		pin_note = "cpu pinning off (laminar.cpu_pinning)";
	else if (target < 0)
		pin_note = "cpu pinning unavailable (sched_getaffinity failed)";
	else
	{
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(target, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0)
		{
			*pinned = true;
			*cpu = target;
			pin_note = "pinned";
		}
		else
			pin_note = "cpu pinning not permitted";
	}
	if (!*pinned && target >= 0)
		*cpu = sched_getcpu();

	if (numa_available() < 0)
		numa_note = "no NUMA support, default memory policy";
	else
	{
		int node = numa_node_of_cpu(*cpu >= 0 ? *cpu : 0);

		*numa_node = node;
		if (numa_max_node() == 0)
			numa_note = "single NUMA node";
		else if (node >= 0)
		{
			numa_set_preferred(node);
			numa_note = "memory preferred on its NUMA node";
		}
		else
			numa_note = "NUMA node unknown, default memory policy";
	}
	snprintf(placement, len, "%s, cpu %d; %s, node %d", pin_note, *cpu, numa_note, *numa_node);
}
