using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Tests.Studies;

namespace NpcEcrf.Api.Tests.Exports;

/// <summary>
/// One small study (the reference definition with a weekly laboratory visit) and the ODM files it exports: study events
/// with repeat keys, every review step and query transition an annotation with user, time and flags, no empty values
/// and no internal names, snapshots equal to the casebook, and a lock's file as of the lock for its readers only.
/// </summary>
public class OdmExportTests(OdmExportTests.Fixture app) : IClassFixture<OdmExportTests.Fixture>
{
    private static readonly XNamespace Odm = "http://www.cdisc.org/ns/odm/v1.3";
    public const string StudyId = "ODM-EXP";

    public class Fixture : AppFixture
    {
        public CasebookClient Subject { get; private set; } = null!;
        public Guid ClosedQuery { get; private set; }
        public Guid CancelledQuery { get; private set; }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var admin = await ClientFor("odmx.admin", ["admin"]);
            await (await admin.PostJson("/studies", new { studyId = StudyId, title = "ODM export", definition = OdmFiles.Labs() })).ShouldBe(HttpStatusCode.Created);
            foreach (var (id, name) in new[] { ("S1", "Guilin"), ("S2", "Wuzhou") })
                await (await admin.PostJson($"/studies/{StudyId}/sites", new { siteId = id, name })).ShouldBe(HttpStatusCode.OK);
            Subject = new CasebookClient(await ClientFor("odmx.cra.s1", ["cra"], $"{StudyId}/S1"), "X-01", StudyId);
            await Subject.Enrol("S1");
            await Subject.Post("/demographics", new { sex = "M", yearOfBirth = 1966, ageAtEnrolment = 55 });
            await Subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
            await Subject.Post("/cycles", new { cycleNumber = 1, startDate = "2021-03-04", dose = 12, tabletsDispensed = 21, tabletsReturned = 0 });
            await Subject.Post("/cycles", new { cycleNumber = 2, startDate = "2021-03-25", dose = 12, tabletsDispensed = 21, tabletsReturned = 1 });
            await Subject.Post("/forms/vital-signs", new { data = new { weight = 70.5, ecogDone = true } });
            await Subject.Post("/forms/labs", new { key = "WEEKLY-LABS2", data = new { sampleDate = "2021-03-18", fasting = true, results = new object[] { new { hb = 9.8, anc = 2.1, flag = "L" } } } });
            await Subject.Post("/contacts", new { date = "2021-06-01", method = "clinic" });

            var monitorClient = await ClientFor("odmx.monitor.s1", ["monitor"], $"{StudyId}/S1");
            var monitor = new CasebookClient(monitorClient, "X-01", StudyId);
            await (await monitorClient.GetAsync(Subject.Url)).ShouldBe(HttpStatusCode.OK);
            await monitor.Post("/verifications", new { form = "demographics", version = Subject.Version });
            await monitor.Post("/verifications", new { form = "first-dose", field = "dose" });

            var raised = await (await monitorClient.PostJson("/data-queries", new { studyId = StudyId, subjectNumber = "X-01", form = "labs/WEEKLY-LABS2", field = "results[0].hb", text = "Please check Hb." }))
                .ShouldBe(HttpStatusCode.Created);
            ClosedQuery = raised.GetProperty("id").GetGuid();
            await (await Subject.Http.PostJson($"/data-queries/{ClosedQuery}/answer", new { text = "Hb is 9.8 on the report." })).ShouldBe(HttpStatusCode.OK);
            await (await monitorClient.PostJson($"/data-queries/{ClosedQuery}/close", new { text = "Thanks" })).ShouldBe(HttpStatusCode.OK);
            await (await monitorClient.PostJson($"/data-queries/{ClosedQuery}/reopen", new { reason = "Second report differs" })).ShouldBe(HttpStatusCode.OK);
            var other = await (await monitorClient.PostJson("/data-queries", new { studyId = StudyId, subjectNumber = "X-01", form = "demographics", field = "sex", text = "Sex?" }))
                .ShouldBe(HttpStatusCode.Created);
            CancelledQuery = other.GetProperty("id").GetGuid();
            await (await monitorClient.PostJson($"/data-queries/{CancelledQuery}/cancel", new { reason = "Raised in error" })).ShouldBe(HttpStatusCode.OK);
            await Subject.Post("/corrections", new { form = "demographics", field = "yearOfBirth", newValue = 1965, reason = "ID card says 1965." });

            var other2 = new CasebookClient(await ClientFor("odmx.cra.s2", ["cra"], $"{StudyId}/S2"), "X-02", StudyId);
            await other2.Enrol("S2");
        }
    }

    private async Task<XDocument> Export(string url, string role = "auditor")
    {
        var client = await app.ClientFor($"odmx.{role}", [role]);
        var response = await client.GetAsync(url);
        var xml = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, xml);
        OdmFiles.AssertSchemaValid(xml);
        Assert.DoesNotContain("Value=\"\"", xml);
        Assert.DoesNotContain("mt_", xml);
        Assert.DoesNotContain("SourceID", xml);
        return XDocument.Parse(xml);
    }

    private static IEnumerable<XElement> Forms(XDocument doc, string formOid) =>
        doc.Descendants(Odm + "FormData").Where(f => (string?)f.Attribute("FormOID") == formOid);

    private static (string? Event, string? EventKey, string? FormKey) Where(XElement form) =>
        ((string?)form.Parent!.Attribute("StudyEventOID"), (string?)form.Parent!.Attribute("StudyEventRepeatKey"), (string?)form.Attribute("FormRepeatKey"));

    [Fact]
    public async Task forms_sit_in_their_study_events_with_repeat_keys_and_the_form_key_stays_the_casebooks()
    {
        var doc = await Export($"/studies/{StudyId}/export/odm");
        Assert.Equal("Transactional", (string?)doc.Root!.Attribute("FileType"));
        var data = doc.Descendants(Odm + "FormData").Where(f => (string?)f.Attribute("TransactionType") != "Context").ToList();
        Assert.All(Forms(doc, "F.DEMOGRAPHICS"), f => Assert.Equal(("SE.BASELINE", null, "1"), Where(f)));
        Assert.All(Forms(doc, "F.FIRST_DOSE"), f => Assert.Equal(("SE.BASELINE", null, "1"), Where(f)));
        Assert.Equal([("SE.CYCLE", "1", "1"), ("SE.CYCLE", "2", "2")], data.Where(f => (string?)f.Attribute("FormOID") == "F.CYCLE").Select(Where));
        Assert.All(Forms(doc, "F.LABS"), f => Assert.Equal(("SE.WEEKLY-LABS", "2", "WEEKLY-LABS2"), Where(f)));
        Assert.All(Forms(doc, "F.VITAL_SIGNS"), f => Assert.Equal(("SE.CASEBOOK", null, "1"), Where(f)));
        Assert.All(Forms(doc, "F.CONTACT"), f => Assert.Equal(("SE.FOLLOW_UP", null, "1"), Where(f)));

        // The metadata names the product's events, their forms, and the flag code lists; the definition import skips them.
        var events = doc.Descendants(Odm + "StudyEventDef").ToDictionary(e => (string)e.Attribute("OID")!);
        Assert.Equal("Yes", (string?)events["SE.CYCLE"].Attribute("Repeating"));
        Assert.Contains(events["SE.CYCLE"].Elements(Odm + "FormRef"), r => (string?)r.Attribute("FormOID") == "F.CYCLE");
        Assert.Contains(events["SE.CASEBOOK"].Elements(Odm + "FormRef"), r => (string?)r.Attribute("FormOID") == "F.ADVERSE_EVENT");
        Assert.DoesNotContain(events["SE.CASEBOOK"].Elements(Odm + "FormRef"), r => (string?)r.Attribute("FormOID") == "F.CYCLE");
        Assert.Contains(events["SE.BASELINE"].Elements(Odm + "Alias"), a => (string?)a.Attribute("Context") == "npc-ecrf:event" && (string?)a.Attribute("Name") == "baseline");
        Assert.Equal(9, doc.Descendants(Odm + "CodeList").Single(c => (string?)c.Attribute("OID") == "CL.NPCECRF.FLAG_VALUE").Elements(Odm + "CodeListItem").Count());

        // A null is left out of an insert (the retired laboratory test nobody entered); never an empty value.
        var labs = Assert.Single(Forms(doc, "F.LABS"), f => (string?)f.Attribute("TransactionType") == "Insert");
        Assert.Contains(labs.Descendants(Odm + "ItemData"), i => (string?)i.Attribute("ItemOID") == "I.LABS.RESULTS.HB");
        Assert.DoesNotContain(labs.Descendants(Odm + "ItemData"), i => (string?)i.Attribute("ItemOID") == "I.LABS.RESULTS.OLDTEST");
    }

    [Fact]
    public async Task every_review_step_and_each_query_transition_is_an_annotation_with_user_time_and_flags()
    {
        var doc = await Export($"/studies/{StudyId}/export/odm");
        var notes = doc.Descendants(Odm + "Annotation").ToList();
        Assert.All(notes, n =>
        {
            var form = n.Ancestors(Odm + "FormData").Single();
            Assert.Equal("Context", (string?)form.Attribute("TransactionType"));
            Assert.Equal("Context", (string?)n.Ancestors(Odm + "SubjectData").Single().Attribute("TransactionType"));
            var audit = form.Element(Odm + "AuditRecord")!;
            Assert.StartsWith("U.", (string)audit.Element(Odm + "UserRef")!.Attribute("UserOID")!);
            Assert.Equal("S1", (string?)audit.Element(Odm + "LocationRef")!.Attribute("LocationOID"));
            Assert.True(DateTimeOffset.TryParse(audit.Element(Odm + "DateTimeStamp")!.Value, out _));
            Assert.NotEmpty(n.Element(Odm + "Comment")!.Value);
            Assert.Equal("CL.NPCECRF.FLAG_VALUE", (string?)n.Element(Odm + "Flag")!.Element(Odm + "FlagValue")!.Attribute("CodeListOID"));
            Assert.Equal("CL.NPCECRF.FLAG_TYPE", (string?)n.Element(Odm + "Flag")!.Element(Odm + "FlagType")!.Attribute("CodeListOID"));
        });
        (string Type, string Value) Flag(XElement n) => (n.Element(Odm + "Flag")!.Element(Odm + "FlagType")!.Value, n.Element(Odm + "Flag")!.Element(Odm + "FlagValue")!.Value);
        string User(XElement n) => (string)n.Ancestors(Odm + "FormData").Single().Element(Odm + "AuditRecord")!.Element(Odm + "UserRef")!.Attribute("UserOID")!;

        // Form-level SDV sits on the FormData; field-level SDV on the field's ItemData, with no value.
        var formSdv = Assert.Single(notes, n => n.Parent!.Name == Odm + "FormData" && (string?)n.Parent.Attribute("FormOID") == "F.DEMOGRAPHICS" && Flag(n) == ("SDV", "VERIFIED"));
        Assert.Equal("U.odmx.monitor.s1", User(formSdv));
        var fieldSdv = Assert.Single(notes, n => n.Parent!.Name == Odm + "ItemData" && (string?)n.Parent.Attribute("ItemOID") == "I.FIRST_DOSE.DOSE");
        Assert.Equal(("SDV", "VERIFIED"), Flag(fieldSdv));
        Assert.Null(fieldSdv.Parent!.Attribute("Value"));
        // The correction after SDV revoked it.
        Assert.Contains(notes, n => Flag(n) == ("SDV", "REVOKED"));

        // Each transition of a query is its own annotation, grouped by the ID prefix Q.{id}.
        var closed = notes.Where(n => ((string?)n.Attribute("ID"))?.StartsWith($"Q.{app.ClosedQuery:D}.") == true).ToList();
        Assert.Equal(["RAISED", "ANSWERED", "CLOSED", "REOPENED"], closed.Select(n => Flag(n).Value));
        Assert.All(closed, n => Assert.Equal("QUERY", Flag(n).Type));
        Assert.All(closed, n => Assert.Equal("I.LABS.RESULTS.HB", (string?)n.Parent!.Attribute("ItemOID")));
        Assert.Equal(["U.odmx.monitor.s1", "U.odmx.cra.s1", "U.odmx.monitor.s1", "U.odmx.monitor.s1"], closed.Select(User));
        Assert.Equal("Hb is 9.8 on the report.", closed[1].Element(Odm + "Comment")!.Value);
        Assert.Equal("Site", (string?)closed[1].Element(Odm + "Comment")!.Attribute("SponsorOrSite"));
        var cancelled = notes.Where(n => ((string?)n.Attribute("ID"))?.StartsWith($"Q.{app.CancelledQuery:D}.") == true).ToList();
        Assert.Equal(["RAISED", "CANCELLED"], cancelled.Select(n => Flag(n).Value));
        Assert.Equal("Raised in error", cancelled[1].Ancestors(Odm + "FormData").Single().Element(Odm + "AuditRecord")!.Element(Odm + "ReasonForChange")!.Value);

        // Transactions are in time order: the correction (Update) comes after the query steps.
        var subject = doc.Descendants(Odm + "SubjectData").Where(s => (string?)s.Attribute("SubjectKey") == "X-01").ToList();
        var lastQueryStep = subject.FindLastIndex(s => s.Descendants(Odm + "Annotation").Any(n => Flag(n).Type == "QUERY"));
        var correction = subject.FindIndex(s => s.Descendants(Odm + "ReasonForChange").Any(r => r.Value == "ID card says 1965."));
        Assert.True(correction > lastQueryStep, $"correction at {correction}, last query step at {lastQueryStep}");

        // Users carry their names and sites; sites their real names.
        var cra = doc.Descendants(Odm + "User").Single(u => (string?)u.Attribute("OID") == "U.odmx.cra.s1");
        Assert.Equal("odmx.cra.s1", cra.Element(Odm + "LoginName")!.Value);
        Assert.NotNull(cra.Element(Odm + "FullName"));
        Assert.Equal("S1", (string?)cra.Element(Odm + "LocationRef")!.Attribute("LocationOID"));
        Assert.Equal("Wuzhou", (string?)doc.Descendants(Odm + "Location").Single(l => (string?)l.Attribute("OID") == "S2").Attribute("Name"));
    }

    [Fact]
    public async Task a_snapshot_holds_each_subjects_current_values_in_their_study_events_without_history()
    {
        var doc = await Export($"/studies/{StudyId}/export/odm?type=snapshot");
        Assert.Equal("Snapshot", (string?)doc.Root!.Attribute("FileType"));
        Assert.Empty(doc.Descendants(Odm + "AuditRecord"));
        Assert.DoesNotContain(doc.Descendants(), e => e.Attribute("TransactionType") is not null);
        var subject = Assert.Single(doc.Descendants(Odm + "SubjectData"), s => (string?)s.Attribute("SubjectKey") == "X-01");
        string? Value(string form, string item) => (string?)subject.Descendants(Odm + "FormData").Single(f => (string?)f.Attribute("FormOID") == form)
            .Descendants(Odm + "ItemData").Single(i => (string?)i.Attribute("ItemOID") == item).Attribute("Value");
        // The casebook's current values, the correction included.
        var casebook = await (await app.Subject.Http.GetAsync(app.Subject.Url)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(casebook.GetProperty("demographics").GetProperty("yearOfBirth").GetInt32().ToString(), Value("F.DEMOGRAPHICS", "I.DEMOGRAPHICS.YEAROFBIRTH"));
        Assert.Equal("1965", Value("F.DEMOGRAPHICS", "I.DEMOGRAPHICS.YEAROFBIRTH"));
        Assert.Equal("9.8", Value("F.LABS", "I.LABS.RESULTS.HB"));
        Assert.Equal(2, subject.Elements(Odm + "StudyEventData").Count(e => (string?)e.Attribute("StudyEventOID") == "SE.CYCLE"));
        Assert.Single(subject.Elements(Odm + "StudyEventData"), e => (string?)e.Attribute("StudyEventOID") == "SE.BASELINE");
        var auditor = await app.ClientFor("odmx.auditor", ["auditor"]);
        // Only the two names: not another word, not a list of both (which an enum parse would read as one of them), not a number.
        foreach (var type in new[] { "full", "transactional,snapshot", "1", " snapshot" })
            await (await auditor.GetAsync($"/studies/{StudyId}/export/odm?type={Uri.EscapeDataString(type)}")).ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task a_locks_file_is_the_data_as_of_its_high_water_mark_for_its_readers_only()
    {
        var dm = await app.ClientFor("odmx.dm", ["data-manager"]);
        var locked = await (await dm.PostJson("/locks", new { studyId = StudyId, name = "odm-interim", cutoff = "2021-12-31", reason = "Interim", kind = "Hard" })).ShouldBe(HttpStatusCode.Created);
        await (await dm.PostJson("/locks/odm-interim/unlock", new { reason = "More data" })).ShouldBe(HttpStatusCode.OK);
        await app.Subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });

        var hash = locked.GetProperty("snapshotHash").GetString()!;
        var hwm = locked.GetProperty("highWaterMark").GetInt64();
        foreach (var type in new[] { "transactional", "snapshot" })
        {
            var doc = await Export($"/locks/odm-interim/export/odm?type={type}", "statistician");
            var root = doc.Root!;
            Assert.Equal(DateTimeOffset.Parse(locked.GetProperty("lockedAt").GetString()!).UtcDateTime, DateTimeOffset.Parse((string)root.Attribute("AsOfDateTime")!).UtcDateTime, TimeSpan.FromMilliseconds(1));
            Assert.Contains(hash, (string)root.Attribute("FileOID")!);
            Assert.Contains(hash, (string)root.Attribute("Description")!);
            Assert.Contains($"high-water mark {hwm}", (string)root.Attribute("Description")!);
            Assert.Contains("odm-interim", (string)root.Attribute("Description")!);
            Assert.Empty(Forms(doc, "F.ECOG"));
            Assert.NotEmpty(Forms(doc, "F.LABS"));
        }
        Assert.NotEmpty(Forms(await Export($"/studies/{StudyId}/export/odm"), "F.ECOG"));

        foreach (var reader in new[] { await app.ClientFor("odmx.cra.s2", ["cra"], $"{StudyId}/S2"), await app.ClientFor("odmx.monitor.s1", ["monitor"], $"{StudyId}/S1"), dm })
            await (await reader.GetAsync("/locks/odm-interim/export/odm")).ShouldBe(HttpStatusCode.Forbidden);
        var statistician = await app.ClientFor("odmx.statistician", ["statistician"]);
        await (await statistician.GetAsync("/locks/no-such-lock/export/odm")).ShouldBe(HttpStatusCode.NotFound);
        await (await statistician.GetAsync("/locks/odm-interim/export/odm?type=archive")).ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task the_command_line_writes_both_file_types_and_a_locks_file_and_refuses_what_it_cannot_write()
    {
        var dir = Directory.CreateTempSubdirectory("npcecrf-odm-cli-").FullName;
        try
        {
            // The verb runs in the fixture's installation: its sealing key, the fixture's schema.
            File.WriteAllText(Path.Combine(dir, "seal-key"), Convert.ToBase64String(app.Settings.SigningKey));
            File.WriteAllText(Path.Combine(dir, "token-key"), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)));
            var db = await TestDatabase.ConnectionsAsync();
            Task<(int Exit, string Stdout, string Stderr)> Export(params string[] args) => CliProcess.Run(db, app.Schema, dir, ["export", .. args]);
            XDocument Written((int Exit, string Stdout, string Stderr) run, string file)
            {
                Assert.True(run.Exit == 0, $"exit {run.Exit}: {run.Stderr}{run.Stdout}");
                var xml = File.ReadAllText(Path.Combine(dir, file));
                OdmFiles.AssertSchemaValid(xml);
                return XDocument.Parse(xml);
            }

            var dm = await app.ClientFor("odmx.dm", ["data-manager"]);
            var locked = await (await dm.PostJson("/locks", new { studyId = StudyId, name = "odm-cli", cutoff = "2021-12-31", reason = "Interim", kind = "Hard" })).ShouldBe(HttpStatusCode.Created);
            await (await dm.PostJson("/locks/odm-cli/unlock", new { reason = "More data" })).ShouldBe(HttpStatusCode.OK);

            Assert.Equal("Transactional", (string?)Written(await Export("--study", StudyId, "--out", Path.Combine(dir, "t.xml")), "t.xml").Root!.Attribute("FileType"));
            Assert.Equal("Snapshot", (string?)Written(await Export("--study", StudyId, "--type", "snapshot", "--out", Path.Combine(dir, "s.xml")), "s.xml").Root!.Attribute("FileType"));
            var lockFile = Written(await Export("--lock", "odm-cli", "--type", "snapshot", "--out", Path.Combine(dir, "l.xml")), "l.xml").Root!;
            Assert.Equal("Snapshot", (string?)lockFile.Attribute("FileType"));
            Assert.Contains(locked.GetProperty("snapshotHash").GetString()!, (string)lockFile.Attribute("FileOID")!);

            var unknown = await Export("--lock", "no-such-lock", "--out", Path.Combine(dir, "x.xml"));
            Assert.True(unknown.Exit == 1 && unknown.Stderr.Contains("No lock 'no-such-lock'"), unknown.Stderr);
            var badType = await Export("--study", StudyId, "--type", "archive", "--out", Path.Combine(dir, "x.xml"));
            Assert.True(badType.Exit == 1 && badType.Stderr.Contains("transactional or snapshot"), badType.Stderr);
            Assert.False(File.Exists(Path.Combine(dir, "x.xml")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
