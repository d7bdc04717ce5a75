package dev.hpc.head.access;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.web.RunningHead;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 8: tokens, roles and who may act on a job, against a real head over HTTP. */
class AccessRoutesTest {
    @TempDir
    Path dir;
    private RunningHead head;

    @BeforeEach
    void start() {
        head = RunningHead.start(dir, "c");
    }

    @AfterEach
    void stop() {
        if (head != null) {
            head.close();
        }
    }

    private static JsonFields body(HttpResponse<String> r) {
        return Json.readObject(r.body());
    }

    private String state(String id) throws Exception {
        return head.job(id).string("state");
    }

    @Test
    void aUserCannotCancelHoldReleaseAlterOrReadAnotherUsersJobAndNothingChanges() throws Exception {
        String queued = head.submit("alice", "mine", List.of());
        String held = head.submit("alice", "mine-held", List.of("-h"));
        String[][] attempts = {
            {"/cancel", queued, "cancel"}, {"/hold", queued, "hold"}, {"/release", held, "release"},
        };
        for (String[] a : attempts) {
            HttpResponse<String> r = head.post("/api/v1/jobs/" + a[1] + a[0], "mallory", "");
            assertEquals(403, r.statusCode(), a[0] + ": " + r.body());
            assertEquals("FORBIDDEN", body(r).string("code"));
            assertEquals("job " + a[1] + " belongs to alice; only its owner or an operator may " + a[2] + " it",
                    body(r).string("message"));
        }
        HttpResponse<String> alter = head.post("/api/v1/jobs/" + queued + "/alter", "mallory",
                "{\"options\": [\"-N\", \"stolen\"]}");
        assertEquals(403, alter.statusCode(), alter.body());
        HttpResponse<String> delete = head.send("DELETE", "/api/v1/jobs/" + queued, head.tokenFor("mallory"), "");
        assertEquals(403, delete.statusCode(), delete.body());
        HttpResponse<String> output = head.getWithToken("/api/v1/jobs/" + queued + "/output",
                head.tokenFor("mallory"));
        assertEquals(403, output.statusCode(), output.body());
        assertTrue(body(output).string("message").contains("may read the output of it"), output.body());

        assertEquals("QUEUED", state(queued));
        assertEquals("mine", head.job(queued).object("spec").string("name"));
        assertEquals("HELD", state(held));
        HttpResponse<String> seen = head.getWithToken("/api/v1/jobs/" + queued, head.tokenFor("mallory"));
        assertEquals(200, seen.statusCode(), "everyone may look at every job");
    }

    /** Issue 18, qsub -u: a user may name only themselves; an admin may submit a job that runs as another user. */
    @Test
    void minusUNamesTheJobsOwnerOnlyForAnAdminOrTheUserThemself() throws Exception {
        String script = "{\"script\": \"#!/bin/bash\\n#PBS -u bob\\ntrue\\n\", \"submitDir\": \"/tmp\"}";
        HttpResponse<String> refused = head.post("/api/v1/jobs", "alice", script);
        assertEquals(403, refused.statusCode(), refused.body());
        assertEquals("-u bob: only an admin may submit a job that runs as another user, and alice has role user; "
                + "leave -u out to run the job as alice, or ask an admin to submit it for bob",
                body(refused).string("message"));

        HttpResponse<String> own = head.post("/api/v1/jobs", "bob", script);
        assertEquals(201, own.statusCode(), own.body());
        assertTrue(body(own).string("id").startsWith("1."), "the refused one took no number: " + own.body());
        assertEquals("bob", body(own).object("job").object("spec").string("owner"));

        HttpResponse<String> byAdmin = head.postWithToken("/api/v1/jobs", head.adminToken(),
                "{\"script\": \"#!/bin/bash\\ntrue\\n\", \"options\": [\"-u\", \"carol@login1,bob\"], "
                        + "\"submitDir\": \"/tmp\"}");
        assertEquals(201, byAdmin.statusCode(), byAdmin.body());
        JsonFields spec = body(byAdmin).object("job").object("spec");
        assertEquals("bob", spec.string("owner"), "the entry without a host");
        assertEquals("carol@login1,bob", spec.object("recorded").string("User_List"));
    }

    @Test
    void anArrayJobIsRefusedWholeForAnotherUser() throws Exception {
        String array = head.submit("alice", "sweep", List.of("-t", "1-3"));
        String number = array.substring(0, array.indexOf('['));
        HttpResponse<String> r = head.post("/api/v1/jobs/" + number + "%5B2%5D/cancel", "mallory", "");
        assertEquals(403, r.statusCode(), r.body());
        HttpResponse<String> all = head.post("/api/v1/jobs/" + array.replace("[", "%5B").replace("]", "%5D")
                + "/cancel", "mallory", "");
        assertEquals(403, all.statusCode(), all.body());
        for (JsonFields t : head.job(array).objects("tasks")) {
            assertEquals("QUEUED", t.string("state"), "no task changed");
        }
    }

    @Test
    void theOwnerAndAnOperatorMayActButOnlyAnOperatorSetsOperatorHolds() throws Exception {
        String id = head.submit("alice", "mine", List.of());
        HttpResponse<String> own = head.post("/api/v1/jobs/" + id + "/hold", "alice", "");
        assertEquals(200, own.statusCode(), own.body());
        HttpResponse<String> opHold = head.post("/api/v1/jobs/" + id + "/hold", "alice", "{\"holdTypes\": \"o\"}");
        assertEquals(403, opHold.statusCode(), opHold.body());
        assertTrue(body(opHold).string("message").contains("only an operator may set an operator hold"));

        head.grant("olga", Role.OPERATOR);
        assertEquals(200, head.post("/api/v1/jobs/" + id + "/hold", "olga", "{\"holdTypes\": \"o\"}").statusCode());
        HttpResponse<String> ownRelease = head.post("/api/v1/jobs/" + id + "/release", "alice",
                "{\"holdTypes\": \"uo\"}");
        assertEquals(403, ownRelease.statusCode(), "the owner may not lift an operator hold");
        assertEquals(200, head.post("/api/v1/jobs/" + id + "/release", "olga", "{\"holdTypes\": \"uo\"}")
                .statusCode());
        assertEquals("QUEUED", state(id));
        HttpResponse<String> cancel = head.post("/api/v1/jobs/" + id + "/cancel", "olga", "");
        assertEquals(200, cancel.statusCode(), cancel.body());
        assertEquals("CANCELLED", state(id));
    }

    @Test
    void onlyAnOperatorMayRerunAJobNotEvenItsOwner() throws Exception {
        String id = head.submit("alice", "mine", List.of());
        HttpResponse<String> own = head.post("/api/v1/jobs/" + id + "/rerun", "alice", "");
        assertEquals(403, own.statusCode(), own.body());
        assertEquals("only an operator or an admin may rerun a job (qrerun); alice has role user",
                body(own).string("message"));
        head.grant("olga", Role.OPERATOR);
        HttpResponse<String> queued = head.post("/api/v1/jobs/" + id + "/rerun", "olga", "");
        assertEquals(409, queued.statusCode(), "no worker: the job is queued, not running; " + queued.body());
        assertTrue(body(queued).string("message").contains("only running jobs can be rerun"), queued.body());
        assertEquals("QUEUED", state(id));
    }

    @Test
    void qsigQmsgAndQorderAreForTheOwnerOrAnOperatorAndSayWhatToFix() throws Exception {
        String id = head.submit("alice", "mine", List.of());
        String other = head.submit("alice", "also-mine", List.of());
        String bobs = head.submit("bob", "his", List.of());
        HttpResponse<String> foreign = head.post("/api/v1/jobs/" + id + "/signal", "bob", "{\"signal\": \"USR1\"}");
        assertEquals(403, foreign.statusCode(), foreign.body());
        assertTrue(body(foreign).string("message").contains("only its owner or an operator may signal it"),
                foreign.body());
        HttpResponse<String> queued = head.post("/api/v1/jobs/" + id + "/signal", "alice", "");
        assertEquals(409, queued.statusCode(), "no worker: the job is queued; " + queued.body());
        assertTrue(body(queued).string("message").contains("(Request invalid for state of job)"), queued.body());
        HttpResponse<String> badSignal = head.post("/api/v1/jobs/" + id + "/signal", "alice",
                "{\"signal\": \"SIGFOO\"}");
        assertEquals(400, badSignal.statusCode(), badSignal.body());
        assertTrue(body(badSignal).string("message").contains("is not a signal name"), badSignal.body());
        HttpResponse<String> suspend = head.post("/api/v1/jobs/" + id + "/signal", "alice",
                "{\"signal\": \"suspend\"}");
        assertEquals(400, suspend.statusCode(), suspend.body());
        assertTrue(body(suspend).string("message").contains("-s STOP"), suspend.body());

        HttpResponse<String> foreignMsg = head.post("/api/v1/jobs/" + id + "/message", "bob",
                "{\"message\": \"hi\"}");
        assertEquals(403, foreignMsg.statusCode(), foreignMsg.body());
        HttpResponse<String> emptyMsg = head.post("/api/v1/jobs/" + id + "/message", "alice", "{}");
        assertEquals(400, emptyMsg.statusCode(), emptyMsg.body());
        HttpResponse<String> badStream = head.post("/api/v1/jobs/" + id + "/message", "alice",
                "{\"message\": \"hi\", \"stream\": \"stdin\"}");
        assertEquals(400, badStream.statusCode(), badStream.body());

        HttpResponse<String> mixed = head.post("/api/v1/jobs/" + id + "/order", "alice",
                "{\"with\": \"" + bobs + "\"}");
        assertEquals(403, mixed.statusCode(), "alice may not move bob's job: " + mixed.body());
        HttpResponse<String> noOther = head.post("/api/v1/jobs/" + id + "/order", "alice", "{}");
        assertEquals(400, noOther.statusCode(), noOther.body());
        HttpResponse<String> swapped = head.post("/api/v1/jobs/" + id + "/order", "alice",
                "{\"with\": \"" + other + "\"}");
        assertEquals(200, swapped.statusCode(), swapped.body());
        head.grant("olga", Role.OPERATOR);
        HttpResponse<String> byOperator = head.post("/api/v1/jobs/" + id + "/order", "olga",
                "{\"with\": \"" + bobs + "\"}");
        assertEquals(200, byOperator.statusCode(), "an operator swaps any two users' jobs: " + byOperator.body());
    }

    @Test
    void aUserSeesTheirOwnUsageAndAnOperatorEveryonesFromTheStore() throws Exception {
        head.submit("alice", "one", List.of());
        head.submit("alice", "two", List.of("-A", "climate"));
        head.submit("bob", "his", List.of());
        HttpResponse<String> own = head.send("GET", "/api/v1/report", head.tokenFor("alice"), "");
        assertEquals(200, own.statusCode(), own.body());
        JsonFields mine = body(own);
        assertEquals(List.of("alice"), mine.objects("users").stream().map(r -> r.string("name")).toList());
        assertEquals(2, mine.object("total").longValue("submitted"));
        assertEquals(List.of("(none)", "climate"), mine.objects("accounts").stream().map(r -> r.string("name"))
                .toList());
        HttpResponse<String> records = head.send("GET", "/api/v1/report/records", head.tokenFor("alice"), "");
        assertEquals(200, records.statusCode(), records.body());
        assertEquals(List.of("Q", "Q"), body(records).objects("records").stream().map(r -> r.string("type")).toList(),
                "the queueing of alice's two jobs, not bob's: " + records.body());
        assertEquals(403, head.send("GET", "/api/v1/report/records?user=bob", head.tokenFor("alice"), "")
                .statusCode());
        HttpResponse<String> bobs = head.send("GET", "/api/v1/report?user=bob", head.tokenFor("alice"), "");
        assertEquals(403, bobs.statusCode(), bobs.body());
        assertTrue(body(bobs).string("message").contains("leave out user="), bobs.body());

        head.grant("olga", Role.OPERATOR);
        HttpResponse<String> all = head.send("GET", "/api/v1/report", head.tokenFor("olga"), "");
        assertEquals(List.of("alice", "bob"), body(all).objects("users").stream().map(r -> r.string("name")).toList());
        HttpResponse<String> badStart = head.send("GET", "/api/v1/report?start=yesterday", head.tokenFor("olga"),
                "");
        assertEquals(400, badStart.statusCode(), badStart.body());
        assertTrue(body(badStart).string("message").contains("2026-12-01T00:00:00Z"), badStart.body());
        HttpResponse<String> backwards = head.send("GET", "/api/v1/report?start=2026-12-02T00:00:00Z"
                + "&end=2026-12-01T00:00:00Z", head.tokenFor("olga"), "");
        assertEquals(400, backwards.statusCode(), backwards.body());
        HttpResponse<String> past = head.send("GET", "/api/v1/report?start=2000-01-01T00:00:00Z"
                + "&end=2000-02-01T00:00:00Z", head.tokenFor("olga"), "");
        assertEquals(0, body(past).object("total").longValue("submitted"), "nothing was submitted in 2000");
    }

    @Test
    void aMissingInvalidOrRevokedTokenIs401() throws Exception {
        HttpResponse<String> none = head.getWithToken("/api/v1/jobs", "");
        assertEquals(401, none.statusCode());
        assertEquals("UNAUTHENTICATED", body(none).string("code"));
        assertTrue(body(none).string("message").contains("hpc admin token create"), none.body());
        assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));

        HttpResponse<String> wrong = head.getWithToken("/api/v1/jobs", "not-a-token-of-this-cluster-at-all");
        assertEquals(401, wrong.statusCode());
        assertTrue(body(wrong).string("message").contains("not valid on cluster c"), wrong.body());

        String token = head.tokenFor("alice");
        assertEquals(200, head.getWithToken("/api/v1/jobs", token).statusCode());
        HttpResponse<String> revoke = head.send("DELETE", "/api/v1/tokens/alice", head.adminToken(), "");
        assertEquals(200, revoke.statusCode(), revoke.body());
        assertEquals(401, head.getWithToken("/api/v1/jobs", token).statusCode(), "a revoked token is refused");

        assertEquals(200, head.getWithToken("/api/v1/cluster", "").statusCode(), "the status needs no token");
        assertEquals(200, head.getWithToken("/api/v1/openapi.json", "").statusCode());
        assertEquals(401, head.getWithToken("/api/v1/events", "").statusCode());
    }

    @Test
    void adminsCreateListAndRevokeTokensAndOthersMayNot() throws Exception {
        HttpResponse<String> made = head.postWithToken("/api/v1/tokens", head.adminToken(),
                "{\"user\": \"bob\", \"role\": \"operator\"}");
        assertEquals(201, made.statusCode(), made.body());
        String token = body(made).string("token");
        String id = body(made).string("id");
        assertTrue(token.length() >= 43, "32 random bytes or more: " + token.length());
        assertTrue(token.matches("[A-Za-z0-9_-]+"), "URL-safe: " + token);

        HttpResponse<String> me = head.getWithToken("/api/v1/whoami", token);
        assertEquals("bob", body(me).string("user"));
        assertEquals("operator", body(me).string("role"));

        HttpResponse<String> list = head.get("/api/v1/tokens");
        assertEquals(200, list.statusCode());
        assertFalse(list.body().contains(token), "a listing never shows a token");
        assertFalse(list.body().contains(Tokens.hash(token)), "nor its hash");
        assertTrue(body(list).objects("tokens").stream().anyMatch(t -> t.string("id").equals(id)
                && t.string("user").equals("bob") && t.string("role").equals("operator")), list.body());

        assertEquals(403, head.postWithToken("/api/v1/tokens", token, "{\"user\": \"eve\"}").statusCode(),
                "an operator may not make tokens");
        assertEquals(403, head.getWithToken("/api/v1/tokens", head.tokenFor("alice")).statusCode());
        assertEquals(400, head.postWithToken("/api/v1/tokens", head.adminToken(), "{\"user\": \"x\", \"role\": "
                + "\"king\"}").statusCode());

        HttpResponse<String> revoked = head.send("DELETE", "/api/v1/tokens/" + id, head.adminToken(), "");
        assertEquals(200, revoked.statusCode(), revoked.body());
        assertEquals(401, head.getWithToken("/api/v1/whoami", token).statusCode());
        assertEquals(404, head.send("DELETE", "/api/v1/tokens/" + id, head.adminToken(), "").statusCode());
    }

    @Test
    void theStoreKeepsOnlyAHashOfEachToken() throws Exception {
        String token = head.tokenFor("alice");
        String admin = head.adminToken();
        StringBuilder rows = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.toAbsolutePath().resolve("hpc")
                + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE", "hpc", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM tokens")) {
            while (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    rows.append(rs.getString(i)).append('|');
                }
                rows.append('\n');
            }
        }
        assertTrue(rows.toString().contains(Tokens.hash(token)), rows.toString());
        assertFalse(rows.toString().contains(token), rows.toString());
        assertFalse(rows.toString().contains(admin), rows.toString());
        head.close();
        head = null;
        byte[] file = Files.readAllBytes(dir.resolve("hpc.mv.db"));
        String raw = new String(file, StandardCharsets.ISO_8859_1);
        assertFalse(raw.contains(token), "the token is nowhere in the database file");
    }

    @Test
    void theBodyMayNameAnotherUserOnlyForAnAdmin() throws Exception {
        String script = "{\"script\": \"#!/bin/sh\\ntrue\\n\", \"user\": \"bob\"}";
        HttpResponse<String> asBob = head.post("/api/v1/jobs", "alice", script);
        assertEquals(403, asBob.statusCode(), asBob.body());
        assertTrue(body(asBob).string("message").contains("your token is for alice"), asBob.body());
        HttpResponse<String> byAdmin = head.postWithToken("/api/v1/jobs", head.adminToken(), script);
        assertEquals(201, byAdmin.statusCode(), byAdmin.body());
        assertEquals("bob", body(byAdmin).object("job").object("spec").string("owner"));
        HttpResponse<String> own = head.post("/api/v1/jobs", "alice", "{\"script\": \"#!/bin/sh\\ntrue\\n\"}");
        assertEquals("alice", body(own).object("job").object("spec").string("owner"), "the token says who");
    }

    @Test
    void theAdminTokenFileIsMadePrivateAndTheSameFileGivesTheSameToken() throws Exception {
        Path file = head.service().config().access().adminTokenFile();
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file)));
        String before = head.adminToken();
        head.close();
        head = RunningHead.start(dir, "c");
        assertEquals(before, head.adminToken());
        HttpResponse<String> me = head.getWithToken("/api/v1/whoami", before);
        assertEquals("admin", body(me).string("role"));
        assertEquals(System.getProperty("user.name"), body(me).string("user"));
        assertEquals(1, head.service().tokens().list().stream().filter(t -> t.role() == Role.ADMIN).count(),
                "registering the same file again adds nothing");
    }
}
