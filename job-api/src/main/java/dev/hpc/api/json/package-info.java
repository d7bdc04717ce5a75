/**
 * JSON text to and from plain maps and lists ({@link dev.hpc.api.json.Json}), typed reading that names the
 * wrong field ({@link dev.hpc.api.json.JsonFields}), and the JSON form of the records of
 * {@link dev.hpc.api.job}.
 */
package dev.hpc.api.json;
