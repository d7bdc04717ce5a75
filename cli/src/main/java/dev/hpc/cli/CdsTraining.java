package dev.hpc.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The training run of the class-data-sharing archive that bin/hpc uses (cli/pom.xml, run once at build
 * time with {@code -XX:ArchiveClassesAtExit}): a {@code qsub} and a {@code qstat} against a stand-in head
 * on loopback that answers with a stored job, so that the archive holds what a real call loads, the HTTP
 * exchange, the JSON reader and the output formats included. Not a user command.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        String job;
        try (InputStream in = CdsTraining.class.getResourceAsStream("cds-training-job.json")) {
            job = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/v1/jobs", exchange -> answer(exchange,
                exchange.getRequestMethod().equals("POST") ? "{\"id\":\"1.local\",\"job\":" + job + "}" : job));
        server.start();
        try {
            String head = "127.0.0.1:" + server.getAddress().getPort();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int qsub = HpcMain.run(new PrintWriter(out), new PrintWriter(err), "qsub", "--server", head, "--", "true");
            int qstat = HpcMain.run(new PrintWriter(out), new PrintWriter(err), "qstat", "--server", head, "1");
            System.out.println("qsub exit " + qsub + ", qstat exit " + qstat);
            System.out.print(out);
            System.out.print(err);
        } finally {
            server.stop(0);
        }
    }

    private static void answer(HttpExchange exchange, String body) {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
