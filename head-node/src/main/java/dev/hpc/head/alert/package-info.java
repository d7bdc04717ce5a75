/**
 * Telling administrators about node failures: {@link dev.hpc.head.alert.WebhookNotifier} posts each
 * alert (node down, offline or back; task requeued or failed by a node failure) as JSON to a
 * configured URL. It never blocks the head: alerts wait in a bounded queue, are sent with a short
 * timeout by {@code java.net.http}, and those that cannot be sent are logged and counted, never
 * retried forever. The event log and the event stream get the same alerts (see {@code HeadService}).
 * Telling users about their jobs: {@link dev.hpc.head.alert.MailNotifier} hands PBS's begin, end and abort
 * mail to the configured mail command, after the commit and on a thread of its own, in the same way.
 */
package dev.hpc.head.alert;
