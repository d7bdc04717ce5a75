/**
 * The web queue view served by the head: static pages that watch the cluster through the REST API
 * and its event stream. No state lives here; the page is a client like the CLI.
 */
package dev.hpc.head.web;
