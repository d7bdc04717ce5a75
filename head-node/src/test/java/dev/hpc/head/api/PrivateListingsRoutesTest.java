package dev.hpc.head.api;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.HeadConfig;
import dev.hpc.head.access.JobVisibility;
import dev.hpc.head.access.Role;
import dev.hpc.head.api.VisibilityRoutesTest.Event;
import dev.hpc.head.api.VisibilityRoutesTest.EventReader;
import dev.hpc.head.web.RunningHead;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.head.api.VisibilityRoutesTest.alicesJob;
import static dev.hpc.head.api.VisibilityRoutesTest.assertNoSecretOfAlice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #15 ("Security II"), against a real head over HTTP with {@code query-other-jobs=false}
 * (Slurm's PrivateData=jobs): a user sees only their own jobs anywhere, another user's job answers
 * exactly as an id that does not exist (so its existence does not leak), on every route that names
 * a job; operators and admins still see and act on everything.
 */
class PrivateListingsRoutesTest {
    @TempDir
    Path dir;
    private RunningHead head;

    @BeforeEach
    void start() {
        HeadConfig d = HeadConfig.defaults("head1", "c", dir).withPort(0);
        head = RunningHead.start(d.withAccess(d.access().withJobVisibility(new JobVisibility(false))));
    }

    @AfterEach
    void stop() {
        if (head != null) {
            head.close();
        }
    }

    private HttpResponse<String> asMallory(String method, String path, String body) throws Exception {
        return head.send(method, path, head.tokenFor("mallory"), body);
    }

    @Test
    void anotherUsersJobAnswersOnEveryRouteAsAnIdThatDoesNotExist() throws Exception {
        String id = alicesJob(head);
        String unknown = "999.c";
        String[][] routes = {
            {"GET", ""}, {"GET", "/output"}, {"POST", "/cancel"}, {"DELETE", ""}, {"POST", "/hold"},
            {"POST", "/release"}, {"POST", "/alter"},
        };
        for (String[] route : routes) {
            String body = route[1].equals("/alter") ? "{\"options\": [\"-N\", \"stolen\"]}" : "";
            HttpResponse<String> hidden = asMallory(route[0], "/api/v1/jobs/" + id + route[1], body);
            HttpResponse<String> missing = asMallory(route[0], "/api/v1/jobs/" + unknown + route[1], body);
            String what = route[0] + " " + route[1];
            assertEquals(404, hidden.statusCode(), what + ": " + hidden.body());
            assertEquals(missing.statusCode(), hidden.statusCode(), what);
            assertEquals(Json.readObject(missing.body()).string("code"), Json.readObject(hidden.body()).string("code"),
                    what);
            assertEquals(Json.readObject(missing.body()).string("message").replace(unknown, id),
                    Json.readObject(hidden.body()).string("message"), what + ": the same words as for an unknown id");
            assertNoSecretOfAlice(hidden.body());
            assertFalse(hidden.body().contains("alice"), what + " names the owner: " + hidden.body());
        }
        JsonFields job = head.job(id);
        assertEquals("QUEUED", job.string("state"), "nothing changed");
        assertEquals("alices", job.object("spec").string("name"));
    }

    @Test
    void listingsHoldOnlyTheCallersOwnJobsAndTheirCount() throws Exception {
        alicesJob(head);
        alicesJob(head);
        String mine = head.submit("mallory", "mine", List.of());
        for (String path : List.of("/api/v1/jobs", "/api/v1/jobs?history=true", "/api/v1/jobs?state=QUEUED")) {
            HttpResponse<String> r = asMallory("GET", path, "");
            assertEquals(200, r.statusCode(), r.body());
            JsonFields page = Json.readObject(r.body());
            assertEquals(List.of(mine), page.objects("jobs").stream().map(j -> j.string("id")).toList(), path);
            if (!path.contains("history")) {
                assertEquals(1, page.intValue("total"), path + ": the count does not betray the others either");
            }
            assertFalse(r.body().contains("alice"), path + ": " + r.body());
        }
        HttpResponse<String> asked = asMallory("GET", "/api/v1/jobs?user=alice", "");
        assertEquals(200, asked.statusCode());
        assertEquals(0, Json.readObject(asked.body()).objects("jobs").size(), "as if alice had no jobs");
        assertEquals(0, Json.readObject(asked.body()).intValue("total"));
    }

    @Test
    void operatorsAndAdminsStillSeeAndActOnEveryJob() throws Exception {
        String id = alicesJob(head);
        head.submit("mallory", "mine", List.of());
        head.grant("olga", Role.OPERATOR);
        head.grant("adam", Role.ADMIN);
        for (String who : List.of("olga", "adam", "alice")) {
            HttpResponse<String> one = head.getWithToken("/api/v1/jobs/" + id, head.tokenFor(who));
            assertEquals(200, one.statusCode(), who + ": " + one.body());
            assertTrue(Json.readObject(one.body()).object("spec").string("script").contains("SECRET_IN_SCRIPT"), who);
        }
        HttpResponse<String> all = head.getWithToken("/api/v1/jobs", head.tokenFor("olga"));
        assertEquals(2, Json.readObject(all.body()).intValue("total"), all.body());
        assertEquals(200, head.post("/api/v1/jobs/" + id + "/hold", "olga", "").statusCode());
        assertEquals("HELD", head.job(id).string("state"));
    }

    @Test
    void theEventStreamCarriesNoEventOfAnotherUsersJob() throws Exception {
        try (EventReader mallory = EventReader.open(head, head.tokenFor("mallory"));
             EventReader olga = EventReader.open(head, head.grant("olga", Role.OPERATOR))) {
            mallory.await(e -> e.name().equals("cluster"));
            olga.await(e -> e.name().equals("cluster"));
            String alices = alicesJob(head);
            // changes reach a stream in the order they were committed: alice's first, then mallory's
            String mine = head.submit("mallory", "mine", List.of());
            Event own = mallory.await(e -> e.name().equals("job") && e.data().contains("\"" + mine + "\""));
            assertEquals("mine", Json.readObject(own.data()).object("spec").string("name"));
            for (Event e : mallory.seen) {
                assertFalse(e.name().equals("job") && e.data().contains("\"" + alices + "\""),
                        "mallory's stream carried alice's job: " + e);
                assertNoSecretOfAlice(e.data());
            }
            olga.await(e -> e.name().equals("job") && e.data().contains("\"" + alices + "\""));
        }
    }
}
