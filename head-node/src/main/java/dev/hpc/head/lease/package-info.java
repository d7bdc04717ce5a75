/**
 * The leadership lease (issue 17; docs/architecture.md and docs/failover.md): a head leads only while a
 * majority of voters (every head, and an arbiter) grants it a bounded lease at its epoch. A voter grants one
 * head at a time, promises epochs only upwards and keeps its promises on disk; a head reckons its lease from
 * the moment it asked, so it stops before any voter can grant another head. Keeps DESIGN.md invariant 2: at
 * most one head dispatches or acknowledges at a time, and silence never makes a head active.
 */
package dev.hpc.head.lease;
