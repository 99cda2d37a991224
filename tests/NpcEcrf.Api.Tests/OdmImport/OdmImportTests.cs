using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using CasebookDoc = NpcEcrf.Api.Casebooks.Casebook;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.OdmImport;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Tests.TamperEvidence;

namespace NpcEcrf.Api.Tests.OdmImport;

/// <summary>
/// ODM 1.3.2 import into a new study, over HTTP and a real PostgreSQL: another EDC's snapshot, a misplaced audit
/// record, hostile and broken files, all-or-nothing, who may import, and our own export imported again.
/// </summary>
public class OdmImportTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private static string Sha256(string file) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file)));

    private Task<HttpClient> Admin() => app.ClientFor("import.admin", ["admin"]);

    /// <summary>Events written, without the placeholders Marten appends for the sequence numbers a failed transaction took.</summary>
    private async Task<int> Written()
    {
        await using var session = app.Store.QuerySession();
        return (await session.Events.QueryAllRawEvents().ToListAsync()).Count(e => e.EventTypeName != "tombstone");
    }

    /// <summary>Another EDC's file lacks treatment, RECIST and adverse-event terms: the reference definition gives them.</summary>
    private static MultipartFormDataContent WithBase(string odm) => new()
    {
        { new StringContent(odm, Encoding.UTF8, "application/xml"), "odm", "cardio.xml" },
        { new StringContent(TestStudies.ReferenceJson.ToJsonString(), Encoding.UTF8, "application/json"), "base", "base.json" },
    };

    private async Task<JsonElement> Import(HttpClient client, string odm, string studyId, HttpStatusCode expected = HttpStatusCode.Created) =>
        await (await client.PostAsync($"/studies/import/odm?studyId={studyId}&fileName=cardio.xml", WithBase(odm))).ShouldBe(expected);

    private static IEnumerable<(int Line, string Message)> Deviations(JsonElement summary) =>
        summary.GetProperty("deviations").EnumerateArray().Select(d => (d.GetProperty("line").GetInt32(), d.GetProperty("message").GetString()!));

    [Fact]
    public async Task another_edcs_snapshot_imports_as_study_forms_with_its_history_and_reads_back_through_the_casebook()
    {
        var admin = await Admin();
        var file = ForeignFiles.Snapshot();
        var summary = await Import(admin, file, "CARDIO-A");
        Assert.Equal(("CARDIO-A", 2, Sha256(file)), (summary.GetProperty("studyId").GetString(), summary.GetProperty("subjects").GetInt32(), summary.GetProperty("fileSha256").GetString()));
        // Study, definition, one site; 101: subject, vitals, ECG, vitals update, query annotation; 102: subject, vitals, signature.
        Assert.Equal(3 + 5 + 3, summary.GetProperty("eventsWritten").GetInt32());
        Assert.Contains(Deviations(summary), d => d.Line == ForeignFiles.LineOf(file, "<Location OID=\"LOC.01\"") && d.Message.Contains("site 'LOC_01'"));

        var definition = await (await admin.GetAsync("/studies/CARDIO-A/definition")).ShouldBe(HttpStatusCode.OK);
        var forms = definition.GetProperty("definition").GetProperty("forms").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        Assert.Contains("f-vs", forms);
        Assert.Contains("f-ecg", forms);

        var first = await (await admin.GetAsync("/studies/CARDIO-A/subjects/101")).ShouldBe(HttpStatusCode.OK);
        var vitals = first.GetProperty("forms").GetProperty("f-vs").EnumerateArray().Single();
        Assert.Equal("1", vitals.GetProperty("key").GetString());
        // The update merged into the instance: the date and position stay, the systolic value is the corrected one.
        Assert.Equal(("2023-02-01", 138, "SITTING"), (vitals.GetProperty("data").GetProperty("VSDAT").GetString(),
            vitals.GetProperty("data").GetProperty("SYSBP").GetInt32(), vitals.GetProperty("data").GetProperty("POSITION").GetString()));
        var ecg = first.GetProperty("forms").GetProperty("f-ecg");
        Assert.Equal((412.5m, false), (ecg.GetProperty("QTC").GetDecimal(), ecg.GetProperty("ABNORMAL").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, first.GetProperty("arm").ValueKind);
        var annotation = first.GetProperty("annotations").EnumerateArray().Single();
        Assert.Equal(("Q.77", "f-vs", "Please confirm the systolic value."), (annotation.GetProperty("id").GetString(), annotation.GetProperty("form").GetString(), annotation.GetProperty("text").GetString()));
        Assert.Equal(("closed", "query"), (annotation.GetProperty("flags")[0].GetProperty("value").GetString(), annotation.GetProperty("flags")[0].GetProperty("type").GetString()));
        // Who entered the form is the source system's user, not the importer.
        Assert.Contains(first.GetProperty("formVersions").EnumerateArray(), f => f.GetProperty("form").GetString() == "f-vs/1"
            && f.GetProperty("enteredBy").EnumerateArray().Select(u => u.GetString()).SequenceEqual(["jdoe"]));

        var second = await (await admin.GetAsync("/studies/CARDIO-A/subjects/102")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("forms").GetProperty("f-vs")[0].GetProperty("data").GetProperty("POSITION").ValueKind);
        var signature = second.GetProperty("importedSignatures").EnumerateArray().Single();
        Assert.Equal(("pi.meyer", "Principal investigator approval", "LOC_01"), (signature.GetProperty("user").GetString(), signature.GetProperty("meaning").GetString(), signature.GetProperty("location").GetString()));
        Assert.Empty(second.GetProperty("signatures").EnumerateArray());

        var list = await (await admin.GetAsync("/studies/CARDIO-A/sites/LOC_01/subjects")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(["101", "102"], list.EnumerateArray().Select(s => s.GetProperty("subjectNumber").GetString()));
        await (await admin.GetAsync("/studies/CARDIO-A/subjects/101/history")).ShouldBe(HttpStatusCode.OK);

        // The audit trail keeps the source system's who, when and why apart from ours, and names the file.
        var auditor = await app.ClientFor("import.auditor", ["auditor"]);
        var trail = await (await auditor.GetAsync("/audit?studyId=CARDIO-A&eventType=odm_form_imported")).ShouldBe(HttpStatusCode.OK);
        var update = trail.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("originalReason").GetString() == "Transcription error");
        Assert.Equal(("jdoe", new DateTimeOffset(2023, 2, 3, 14, 5, 0, TimeSpan.Zero), "cardio.xml", Sha256(file), "import.admin"),
            (update.GetProperty("originalUser").GetString(), update.GetProperty("originalTimestamp").GetDateTimeOffset(), update.GetProperty("sourceFile").GetString(),
             update.GetProperty("sourceSha256").GetString(), update.GetProperty("user").GetString()));
        Assert.True(update.GetProperty("timestamp").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1), "our own timestamp is the import's");
        var csv = await (await auditor.GetAsync("/audit/export.csv?studyId=CARDIO-A&eventType=odm_form_imported")).Content.ReadAsStringAsync();
        Assert.Contains("Transcription error,cardio.xml," + Sha256(file), csv);
        // A field filter finds an imported form by its own items (the systolic value entered, then corrected), not by the
        // import's envelope (form, key, value, audit).
        var systolic = await (await auditor.GetAsync("/audit?studyId=CARDIO-A&field=SYSBP")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(3, systolic.GetProperty("entries").GetArrayLength());
        var envelope = await (await auditor.GetAsync("/audit?studyId=CARDIO-A&field=value")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(0, envelope.GetProperty("entries").GetArrayLength());

        var report = await Tampering.Verify(app);
        Assert.True(report.Clean, string.Join("\n", report.Findings));

        // The study as of now holds the imported subjects (replayed from their own first event), and exports as ODM again
        // with the source system's audit and the file named.
        var asOf = await (await admin.GetAsync($"/studies/CARDIO-A/as-of?at={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(["101", "102"], asOf.GetProperty("casebooks").EnumerateArray().Select(c => c.GetProperty("subjectNumber").GetString()));
        var exported = await (await auditor.GetAsync("/studies/CARDIO-A/export/odm")).Content.ReadAsStringAsync();
        Studies.OdmFiles.AssertSchemaValid(exported);
        Assert.Contains("<UserRef UserOID=\"U.jdoe\" />", exported);
        Assert.Contains($"cardio.xml (SHA-256 {Sha256(file)}), line", exported);
        Assert.Contains("Please confirm the systolic value.", exported);
        // A lock is built from each subject's enrolment: it refuses rather than leave these subjects out.
        var dm = await app.ClientFor("import.dm", ["data-manager"]);
        var refused = await (await dm.PostJson("/locks", new { studyId = "CARDIO-A", name = "cardio-final", cutoff = "2023-06-30", reason = "Analysis", kind = "Soft" }))
            .ShouldBe(HttpStatusCode.Conflict);
        Assert.Contains("101, 102 have no enrolment form", refused.GetProperty("title").GetString());
        // Nor is such a casebook written to: a clear refusal, not a check that fails for want of an enrolment.
        var cra = await app.ClientFor("import.cra.cardio", ["cra"], "CARDIO-A/LOC_01");
        var write = await (await cra.PostJson("/studies/CARDIO-A/subjects/101/corrections", new { form = "f-ecg", field = "QTC", newValue = 401, reason = "Re-read", version = first.GetProperty("version").GetInt64() }))
            .ShouldBe(HttpStatusCode.Conflict);
        Assert.Contains("imported without an enrolment form", write.GetProperty("title").GetString());

        // The same file again: the study exists.
        var again = await Import(admin, file, "CARDIO-A", HttpStatusCode.Conflict);
        Assert.Contains("already exists", again.GetProperty("title").GetString());
    }

    [Fact]
    public async Task a_subject_key_in_another_case_is_the_same_subject_said_as_a_deviation()
    {
        var admin = await Admin();
        // The second transaction of subject 102 spells it "p-102"/"P-102": one casebook, as the casebook's id is.
        var file = ForeignFiles.Snapshot().Replace("SubjectKey=\"102\" TransactionType=\"Insert\"", "SubjectKey=\"p-102\" TransactionType=\"Insert\"")
            .Replace("SubjectKey=\"102\" TransactionType=\"Update\"", "SubjectKey=\"P-102\" TransactionType=\"Update\"");
        var summary = await Import(admin, file, "CARDIO-CASE");
        Assert.Equal(2, summary.GetProperty("subjects").GetInt32());
        Assert.Contains(Deviations(summary), d => d.Line == ForeignFiles.LineOf(file, "SubjectKey=\"P-102\"") && d.Message.Contains("subject p-102 spelled in another case"));
        var subject = await (await admin.GetAsync("/studies/CARDIO-CASE/subjects/P-102")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("p-102", subject.GetProperty("subjectNumber").GetString());
        Assert.Single(subject.GetProperty("importedSignatures").EnumerateArray());
    }

    [Fact]
    public async Task a_misplaced_audit_record_is_read_and_reported_with_its_line_and_unmappable_values_are_left_out_and_said()
    {
        var file = ForeignFiles.MisplacedAudit().Replace("""<ItemData ItemOID="IT_QTC" Value="412.5"/>""", """<ItemData ItemOID="IT_QTC" Value="long"/><ItemData ItemOID="IT_NOPE" Value="1"/>""");
        var summary = await Import(await Admin(), file, "CARDIO-B");
        var deviations = Deviations(summary).ToList();
        Assert.Contains(deviations, d => d.Line == ForeignFiles.LineOf(file, "<ItemData ItemOID=\"IT_VSDAT\" Value=\"2023-02-01\"><AuditRecord>") && d.Message.Contains("inside <ItemData>"));
        Assert.Contains(deviations, d => d.Line == ForeignFiles.LineOf(file, "IT_QTC\" Value=\"long\"") && d.Message.Contains("'long' is not a float"));
        Assert.Contains(deviations, d => d.Message.Contains("IT_NOPE names no item"));
        await using var session = app.Store.QuerySession();
        var casebook = (await session.LoadAsync<CasebookDoc>(CasebookDoc.IdFor("CARDIO-B", "101")))!;
        var vitals = casebook.Forms.Single(f => f.Form.ToString() == "f-vs/1");
        Assert.Equal(["jdoe"], vitals.EnteredBy);
        Assert.Equal(new DateTimeOffset(2023, 2, 1, 9, 15, 0, TimeSpan.Zero), vitals.EnteredAt);
        var ecg = (System.Text.Json.Nodes.JsonObject)casebook.Forms.Single(f => f.Form.Name == "f-ecg").Value;
        Assert.False(ecg.ContainsKey("QTC"));
    }

    public static TheoryData<string, string, int> Hostile => new()
    {
        { "external entity", "<?xml version=\"1.0\"?>\n<!DOCTYPE ODM [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\">&xxe;</ODM>", 2 },
        { "billion laughs", "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n<ODM>&lol3;</ODM>", 2 },
        { "malformed", "<?xml version=\"1.0\"?>\n<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\">\n  <Study OID=\"X\">\n  </Stdy>\n</ODM>", 4 },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task a_hostile_or_malformed_file_is_refused_naming_its_line_and_nothing_is_written(string kind, string file, int line)
    {
        var admin = await Admin();
        var before = await Written();
        var refused = await (await admin.PostAsync("/studies/import/odm?studyId=HOSTILE", new StringContent(file, Encoding.UTF8, "application/xml")))
            .ShouldBe(HttpStatusCode.BadRequest);
        var message = refused.GetProperty("errors").GetProperty("odm")[0].GetString()!;
        Assert.StartsWith($"Line {line}:", message);
        Assert.DoesNotContain("root:", message);
        Assert.Equal(before, await Written());
        await (await admin.GetAsync("/studies/HOSTILE")).ShouldBe(HttpStatusCode.NotFound);
        _ = kind;
    }

    [Fact]
    public async Task an_oversized_file_is_refused_before_it_is_parsed()
    {
        var before = await Written();
        await using var session = app.Store.LightweightSession();
        var file = Encoding.UTF8.GetBytes(ForeignFiles.Snapshot());
        var outcome = await ImportOdm.Run(session, Actor.Operator("import.admin"), new ImportOdm(file, "big.xml", "BIG", TestStudies.Reference, MaxBytes: file.Length - 1), DateTimeOffset.UtcNow, default);
        var rejected = Assert.IsType<CommandOutcome.Rejected>(outcome);
        Assert.Contains($"{file.Length:N0} bytes", rejected.Rejection.Message);
        Assert.Equal(before, await Written());
    }

    [Fact]
    public async Task an_import_that_fails_midway_leaves_no_study_and_no_events()
    {
        // The database refuses the signature event, which comes after the study's and the first subject's events.
        await TestDatabase.ExecuteAsSuperuserAsync($"""
            create function "{app.Schema}".refuse_signature() returns trigger language plpgsql as $$ begin raise exception 'refused on purpose'; end $$;
            create trigger refuse_signature before insert on "{app.Schema}".mt_events for each row when (new.type = 'odm_signature_imported') execute function "{app.Schema}".refuse_signature();
            """);
        var before = await Written();
        try
        {
            await using var session = app.Store.LightweightSession();
            session.LastModifiedBy = "import.admin";
            await Assert.ThrowsAnyAsync<Exception>(() => ImportOdm.Run(session, Actor.Operator("import.admin"),
                new ImportOdm(Encoding.UTF8.GetBytes(ForeignFiles.Snapshot()), "cardio.xml", "CARDIO-FAIL", TestStudies.Reference), DateTimeOffset.UtcNow, default));
        }
        finally
        {
            await TestDatabase.ExecuteAsSuperuserAsync($"""drop trigger refuse_signature on "{app.Schema}".mt_events; drop function "{app.Schema}".refuse_signature();""");
        }
        Assert.Equal(before, await Written());
        await using var query = app.Store.QuerySession();
        Assert.Null(await query.LoadAsync<Study>(Study.IdFor("CARDIO-FAIL")));
        Assert.Null(await query.LoadAsync<CasebookDoc>(CasebookDoc.IdFor("CARDIO-FAIL", "101")));
        // The same file imports once the database takes it.
        await Import(await Admin(), ForeignFiles.Snapshot(), "CARDIO-FAIL");
    }

    [Fact]
    public async Task a_retried_import_with_its_command_id_answers_as_the_first_and_writes_once()
    {
        var admin = await Admin();
        var commandId = Guid.NewGuid();
        var url = $"/studies/import/odm?studyId=CARDIO-RETRY&fileName=cardio.xml&commandId={commandId}";
        var first = await (await admin.PostAsync(url, WithBase(ForeignFiles.Snapshot()))).ShouldBe(HttpStatusCode.Created);
        var written = await Written();

        var again = await (await admin.PostAsync(url, WithBase(ForeignFiles.Snapshot()))).ShouldBe(HttpStatusCode.Created);
        Assert.Equal(first.GetProperty("eventsWritten").GetInt32(), again.GetProperty("eventsWritten").GetInt32());
        Assert.Equal(first.GetProperty("fileSha256").GetString(), again.GetProperty("fileSha256").GetString());
        Assert.Equal(written, await Written());
        // Every event of the import, the subjects' COPYed ones too, names the command that caused it.
        await using (var session = app.Store.QuerySession())
        {
            var subject = await session.Events.FetchStreamAsync(CasebookDoc.IdFor("CARDIO-RETRY", "101"));
            Assert.NotEmpty(subject);
            Assert.All(subject, e => Assert.Equal(commandId.ToString(), e.CausationId));
        }
        // The same command id with another file is another command: refused, not answered as the first import.
        var another = ForeignFiles.Snapshot().Replace("Please confirm the systolic value.", "Please confirm the value.");
        await (await admin.PostAsync(url, WithBase(another))).ShouldBe(HttpStatusCode.Conflict);
        // Without the command id it is a second import of the same study: refused.
        await (await admin.PostAsync("/studies/import/odm?studyId=CARDIO-RETRY", WithBase(ForeignFiles.Snapshot()))).ShouldBe(HttpStatusCode.Conflict);
        Assert.Equal(written, await Written());
    }

    [Fact]
    public async Task a_cra_may_not_import()
    {
        var cra = await app.ClientFor("import.cra", ["cra"], $"{StudyFixture.StudyId}/S1");
        var before = await Written();
        await (await cra.PostAsync("/studies/import/odm?studyId=CARDIO-CRA", WithBase(ForeignFiles.Snapshot()))).ShouldBe(HttpStatusCode.Forbidden);
        Assert.Equal(before, await Written());
    }

    [Fact]
    public async Task our_own_export_of_a_small_study_imports_into_a_second_study_with_the_same_form_values()
    {
        var subject = await app.Enrolled("RT-01");
        await subject.Post("/demographics", new { sex = "F", yearOfBirth = 1970, ageAtEnrolment = 51 });
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        await subject.Post("/corrections", new { form = "ecog", field = "score", newValue = 2, reason = "Re-read the chart" });
        var admin = await Admin();
        var export = await (await admin.GetAsync($"/studies/{StudyFixture.StudyId}/export/odm")).Content.ReadAsStringAsync();

        var summary = await (await admin.PostAsync("/studies/import/odm?studyId=ANLO-COPY&fileName=anlo.xml", new StringContent(export, Encoding.UTF8, "application/xml")))
            .ShouldBe(HttpStatusCode.Created);
        Assert.Equal("ANLO-COPY", summary.GetProperty("studyId").GetString());
        var original = await (await admin.GetAsync(StudyFixture.Subject("RT-01"))).ShouldBe(HttpStatusCode.OK);
        var copy = await (await admin.GetAsync("/studies/ANLO-COPY/subjects/RT-01")).ShouldBe(HttpStatusCode.OK);
        foreach (var form in new[] { "enrolment", "demographics", "ecog" })
            Assert.True(JsonElement.DeepEquals(original.GetProperty(form), copy.GetProperty(form)), $"{form}: {original.GetProperty(form)} vs {copy.GetProperty(form)}");
        Assert.Equal(2, copy.GetProperty("ecog").GetProperty("score").GetInt32());
        Assert.Equal(original.GetProperty("arm").GetString(), copy.GetProperty("arm").GetString());
        Assert.Equal("S1", copy.GetProperty("siteId").GetString());
        // Built-in forms are kept typed, so what is derived from them (here from the enrolment date) is derived alike.
        Assert.Equal(original.GetProperty("lastKnownAlive").GetString(), copy.GetProperty("lastKnownAlive").GetString());
        await using (var session = app.Store.QuerySession())
        {
            // Replayed in memory (lock replay, time travel, the export), not only as the stored document reads back.
            var replayed = NpcEcrf.Api.Casebooks.CasebookEvolution.Build(await session.Events.FetchStreamAsync(CasebookDoc.IdFor("ANLO-COPY", "RT-01")))!;
            Assert.IsType<Enrolment.SubjectEnrolled>(replayed.Forms.Single(f => f.Form.Name == "enrolment").Value);
        }

        // A built-in form value that does not read as the form (a date the enrolment cannot take) is said and left out;
        // the subject, without its enrolment, still reads.
        var mangled = export.Replace("Value=\"2021-03-03\"", "Value=\"03/03/2021\"");
        var bad = await (await admin.PostAsync("/studies/import/odm?studyId=ANLO-BAD&fileName=anlo.xml", new StringContent(mangled, Encoding.UTF8, "application/xml")))
            .ShouldBe(HttpStatusCode.Created);
        Assert.Contains(Deviations(bad), d => d.Line == ForeignFiles.LineOf(mangled, "<FormData FormOID=\"F.ENROLMENT\"") && d.Message.Contains("does not make a valid enrolment form"));
        var withoutEnrolment = await (await admin.GetAsync("/studies/ANLO-BAD/subjects/RT-01")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, withoutEnrolment.GetProperty("enrolment").ValueKind);
        Assert.Equal(2, withoutEnrolment.GetProperty("ecog").GetProperty("score").GetInt32());

        var report = await Tampering.Verify(app);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }
}

/// <summary>Review actions as the export writes them (Context transactions), a removal, and an audit record after the item groups.</summary>
public class OdmImportReviewTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private const string Review = """
            <SubjectData SubjectKey="101" TransactionType="Context">
              <SiteRef LocationOID="LOC.01"/>
              <StudyEventData StudyEventOID="SE.CASEBOOK">
                <FormData FormOID="F_VS" FormRepeatKey="1" TransactionType="Context">
                  <AuditRecord><UserRef UserOID="USR.20"/><LocationRef LocationOID="LOC.01"/><DateTimeStamp>2023-02-05T11:00:00Z</DateTimeStamp></AuditRecord>
                  <ItemGroupData ItemGroupOID="IG_VS">
                    <ItemData ItemOID="IT_SYSBP">
                      <Annotation SeqNum="1" ID="Q.5"><Comment SponsorOrSite="Sponsor">Query raised: value out of range.</Comment><Flag><FlagValue>open</FlagValue><FlagType>query</FlagType></Flag></Annotation>
                    </ItemData>
                  </ItemGroupData>
                </FormData>
                <FormData FormOID="F_ECG" FormRepeatKey="1" TransactionType="Context">
                  <AuditRecord><UserRef UserOID="USR.20"/><DateTimeStamp>2023-02-06T08:00:00Z</DateTimeStamp></AuditRecord>
                  <Annotation SeqNum="1"><Comment SponsorOrSite="Sponsor">Source data verified.</Comment><Flag><FlagValue>verified</FlagValue><FlagType>sdv</FlagType></Flag></Annotation>
                </FormData>
              </StudyEventData>
            </SubjectData>
            <SubjectData SubjectKey="102" TransactionType="Update">
              <SiteRef LocationOID="LOC.01"/>
              <StudyEventData StudyEventOID="SE_BASELINE">
                <FormData FormOID="F_VS" FormRepeatKey="2" TransactionType="Update">
                  <ItemGroupData ItemGroupOID="IG_VS"><ItemData ItemOID="IT_SYSBP" Value="139"/></ItemGroupData>
                  <AuditRecord><UserRef UserOID="USR.17"/><DateTimeStamp>2023-03-11T10:00:00Z</DateTimeStamp><ReasonForChange>Re-measured</ReasonForChange></AuditRecord>
                </FormData>
                <FormData FormOID="F_VS" FormRepeatKey="2" TransactionType="Remove">
                  <AuditRecord><UserRef UserOID="USR.17"/><DateTimeStamp>2023-03-11T10:05:00Z</DateTimeStamp><ReasonForChange>Entered for the wrong subject</ReasonForChange></AuditRecord>
                </FormData>
              </StudyEventData>
            </SubjectData>
          </ClinicalData>
        """;

    [Fact]
    public async Task review_actions_in_context_transactions_become_annotations_with_their_audit_and_a_removal_removes_the_instance()
    {
        var file = ForeignFiles.Snapshot().Replace("  </ClinicalData>", Review.TrimEnd());
        var admin = await app.ClientFor("review.admin", ["admin"]);
        var form = new MultipartFormDataContent
        {
            { new StringContent(file, Encoding.UTF8, "application/xml"), "odm", "cardio.xml" },
            { new StringContent(TestStudies.ReferenceJson.ToJsonString(), Encoding.UTF8, "application/json"), "base", "base.json" },
        };
        var summary = await (await admin.PostAsync("/studies/import/odm?studyId=CARDIO-R", form)).ShouldBe(HttpStatusCode.Created);
        Assert.Contains(summary.GetProperty("deviations").EnumerateArray(), d => d.GetProperty("line").GetInt32() == ForeignFiles.LineOf(file, "<ReasonForChange>Re-measured")
            && d.GetProperty("message").GetString()!.Contains("comes after its other content"));

        var first = await (await admin.GetAsync("/studies/CARDIO-R/subjects/101")).ShouldBe(HttpStatusCode.OK);
        var annotations = first.GetProperty("annotations").EnumerateArray().ToList();
        var query = annotations.Single(a => a.GetProperty("id").GetString() == "Q.5");
        Assert.Equal(("f-vs", "1", "SYSBP", "pi.meyer", "open"), (query.GetProperty("form").GetString(), query.GetProperty("key").GetString(), query.GetProperty("item").GetString(),
            query.GetProperty("audit").GetProperty("user").GetString(), query.GetProperty("flags")[0].GetProperty("value").GetString()));
        Assert.Equal(ForeignFiles.LineOf(file, "ID=\"Q.5\""), query.GetProperty("audit").GetProperty("line").GetInt32());
        var sdv = annotations.Single(a => a.GetProperty("text").GetString() == "Source data verified.");
        Assert.Equal(("f-ecg", JsonValueKind.Null, "sdv"), (sdv.GetProperty("form").GetString(), sdv.GetProperty("item").ValueKind, sdv.GetProperty("flags")[0].GetProperty("type").GetString()));
        // A Context transaction changes no value.
        Assert.Equal(138, first.GetProperty("forms").GetProperty("f-vs")[0].GetProperty("data").GetProperty("SYSBP").GetInt32());

        var second = await (await admin.GetAsync("/studies/CARDIO-R/subjects/102")).ShouldBe(HttpStatusCode.OK);
        Assert.Empty(second.GetProperty("forms").GetProperty("f-vs").EnumerateArray());
        var history = await (await admin.GetAsync("/studies/CARDIO-R/subjects/102/history")).ShouldBe(HttpStatusCode.OK);
        var removal = history.EnumerateArray().Last(e => e.GetProperty("eventType").GetString() == "odm_form_imported");
        Assert.Equal((JsonValueKind.Null, "Entered for the wrong subject"), (removal.GetProperty("data").GetProperty("value").ValueKind,
            removal.GetProperty("data").GetProperty("audit").GetProperty("reason").GetString()));
    }
}
