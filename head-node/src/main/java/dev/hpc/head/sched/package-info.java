/**
 * The scheduler core: {@link dev.hpc.head.sched.Scheduler#plan} decides which queued tasks start on
 * which nodes and why the others wait; {@link dev.hpc.head.sched.Preemptions#plan} which running tasks of lower
 * queues to stop for the waiting tasks of a preempting queue. Pure: no I/O, no clock (time comes in as {@code now}), no
 * threads, and the same snapshot always gives the same plan. It imports nothing from Vert.x,
 * Hazelcast or {@code java.sql}; a test checks that.
 */
package dev.hpc.head.sched;
