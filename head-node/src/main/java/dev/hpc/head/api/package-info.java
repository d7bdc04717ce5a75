/**
 * The REST API under {@code /api/v1} (see docs/rest-api.md): small handlers that turn requests into
 * calls on {@link dev.hpc.head.HeadService} and answers into JSON. Every error is a JSON body with a
 * code and a message. Handlers never block the event loop: state calls are futures, store reads run
 * on worker threads.
 */
package dev.hpc.head.api;
