import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one HTTP request costs on this machine with nothing behind it: a Vert.x server that answers every POST with
 * 201 at once, and clients like hpc bench submit's (the JDK's HTTP client, one request after another per thread).
 * The rate it reaches bounds single submissions through the REST API from above (docs/performance.md).
 *
 *   java -cp head-node/target/hpc-head.jar examples/bench/HttpFloor.java server 19877 &
 *   java -cp head-node/target/hpc-head.jar examples/bench/HttpFloor.java client 19877 16 8000   # port, clients, ms
 */
public class HttpFloor {
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("server")) {
            serve(Integer.parseInt(args[1]));
        } else if (args.length == 4 && args[0].equals("client")) {
            load(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]));
        } else {
            System.err.println("usage: HttpFloor server PORT | HttpFloor client PORT CLIENTS MILLIS");
            System.exit(2);
        }
    }

    private static void serve(int port) throws InterruptedException {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        for (int i = 0; i < 2; i++) {
            vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                    .requestHandler(r -> r.body().onSuccess(b -> r.response().setStatusCode(201)
                            .putHeader("Content-Type", "application/json")
                            .end("{\"id\":\"1.c\",\"head\":\"h\",\"epoch\":1}")))
                    .listen().await();
        }
        System.out.println("listening on 127.0.0.1:" + port);
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void load(int port, int clients, long millis) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String body = "{\"script\":\"#!/bin/sh\\ntrue\\n\",\"options\":[\"-h\",\"-N\",\"bench-123\"],"
                + "\"submitDir\":\"/tmp\",\"submitHost\":\"h\",\"env\":{}}";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/jobs"))
                .header("Authorization", "Bearer 0123456789abcdef0123456789abcdef")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        for (int i = 0; i < clients; i++) {
            threads.execute(() -> {
                try {
                    while (System.nanoTime() < end) {
                        http.send(request, HttpResponse.BodyHandlers.discarding());
                        done.incrementAndGet();
                    }
                } catch (Exception e) {
                    System.err.println("a client stopped: " + e);
                }
            });
        }
        threads.shutdown();
        threads.awaitTermination(1, TimeUnit.HOURS);
        System.out.printf("%d clients: %.0f requests/s%n", clients, done.get() * 1000.0 / millis);
    }
}
