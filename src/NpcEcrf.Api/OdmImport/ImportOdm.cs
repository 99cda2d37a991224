using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.OdmImport;

/// <summary>
/// An admin or data manager imports a CDISC ODM 1.3.2 file (metadata, clinical data, audit records, signatures,
/// annotations) into a new study, keeping its history. The file is read safely (<see cref="OdmFileReader"/>), mapped
/// without writing (<see cref="OdmImportPlanner"/>), then the study (created as <see cref="CreateStudy"/> creates any
/// study, with its sites) is appended through the pipeline and every subject's stream is COPYed in the same transaction
/// (<see cref="SealedBulkAppend"/>): all or nothing. The endpoint
/// and the command line only translate.
/// </summary>
/// <param name="File">The file's bytes: their SHA-256 names the file in every imported event.</param>
/// <param name="Base">What a file of another EDC lacks (treatment, RECIST, adverse-event terms), as for the definition import.</param>
/// <param name="CommandId">A retry with the same id (after a lost answer) answers as the first import did and writes nothing.</param>
public sealed record ImportOdm(byte[] File, string FileName, string? StudyId = null, StudyDefinition? Base = null, long MaxBytes = OdmFileReader.DefaultMaxBytes, Guid? CommandId = null)
{
    /// <summary>What the import answers: the study, how many subjects and events, every deviation with its line, and the file's hash.</summary>
    public sealed record Summary(string StudyId, int Subjects, int EventsWritten, IReadOnlyList<OdmDeviation> Deviations, string FileName, string FileSha256);

    public static async Task<CommandOutcome> Run(IDocumentSession session, Actor actor, ImportOdm c, DateTimeOffset now, CancellationToken ct)
    {
        // Who may import is said before the file is read.
        if (!actor.Has(CreateStudy.Builders)) return Rejection.Forbidden($"This needs one of the roles: {string.Join(", ", CreateStudy.Builders)}.");
        var (file, unreadable) = OdmFileReader.Read(c.File, c.FileName, c.MaxBytes);
        if (unreadable is not null) return Rejection.Invalid("odm", unreadable.Message);
        var (plan, refused) = OdmImportPlanner.Plan(file!, c.StudyId, c.Base, DateOnly.FromDateTime(now.UtcDateTime));
        if (refused is not null) return refused;
        return await Write(session, actor, plan!, ct, commandId: c.CommandId);
    }

    /// <summary>How the subjects' streams are written: the bulk COPY, or through the session as any other write (the reference the bulk path is compared with).</summary>
    public enum SubjectWrite { Bulk, Session }

    /// <summary>The study's events (as a created study's, with its sites) and, in the same transaction, every subject's stream.</summary>
    public static Task<CommandOutcome> Write(IDocumentSession session, Actor actor, OdmImportPlan plan, CancellationToken ct, SubjectWrite subjects = SubjectWrite.Bulk, Guid? commandId = null) =>
        CommandPipeline.Run(session, actor, new WriteRequest<Study>
        {
            StreamId = Study.IdFor(plan.StudyId), What = $"Study '{plan.StudyId}'", Roles = CreateStudy.Builders,
            StartsStream = true, AlreadyExists = $"Study '{plan.StudyId}' already exists: an ODM file is imported into a new study.",
            CreatedAt = $"/studies/{plan.StudyId}",
            Command = CommandKey.OfFile(commandId, plan.FileSha256),
            Decide = _ => CreateStudy.Decide(new CreateStudy(plan.StudyId, plan.Title, plan.Definition), plan.EffectiveFrom) is var created && created.Rejection is null
                ? new Decision([.. created.Events, .. plan.Sites.Select(s => new SiteAdded(s.SiteId, s.Name))])
                : created,
            Alongside = async (s, _, _) =>
            {
                var streams = plan.Subjects.Select(x => (Casebook.IdFor(plan.StudyId, x.SubjectNumber), x.Events)).ToList();
                if (subjects == SubjectWrite.Session)
                {
                    foreach (var (id, events) in streams) s.Events.StartStream<Casebook>(id, events.ToArray());
                    return null;
                }
                // COPYed in the session's transaction, sealed as the listener seals, with what the inline CasebookProjection
                // would store (the one evolve function over the same events); the study's SaveChanges commits it all. No
                // other inline projection takes an imported subject's events; the asynchronous ones catch up from mt_events.
                await SealedBulkAppend.StartStreams(s, streams, CasebookEvolution.Build, ct);
                return null;
            },
            // The study stream's version is the number of its events (its creation, definition and sites).
            Answer = study => new Summary(study.StudyId, plan.Subjects.Count, (int)study.Version + plan.Subjects.Sum(x => x.Events.Count),
                plan.Deviations, plan.FileName, plan.FileSha256),
        }, ct);

    /// <summary>The largest file this installation imports: OdmImport:MaxBytes, else <see cref="OdmFileReader.DefaultMaxBytes"/>.</summary>
    public static long MaxBytesFrom(IConfiguration configuration) => configuration.GetValue<long?>("OdmImport:MaxBytes") ?? OdmFileReader.DefaultMaxBytes;

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies/import/odm", async (HttpContext http, IDocumentSession session, TimeProvider clock, IConfiguration configuration, string? studyId, string? fileName, Guid? commandId) =>
        {
            var actor = Actor.From(http.User);
            if (!actor.Has(CreateStudy.Builders)) return Problems.Forbidden("Admins and data managers import ODM files.");
            var max = MaxBytesFrom(configuration);
            var (upload, errors) = await OdmUpload.Read(http.Request, max, http.RequestAborted);
            StudyDefinition? baseDefinition = null;
            if (errors is null && upload!.Base is { } baseJson) (baseDefinition, errors) = ImportStudyOdm.ReadBase(baseJson);
            if (errors is not null) return Results.ValidationProblem(errors, title: "The request is not valid.");
            var command = new ImportOdm(upload!.Odm, string.IsNullOrWhiteSpace(fileName) ? "upload.xml" : Path.GetFileName(fileName), studyId, baseDefinition, max, commandId);
            return (await Run(session, actor, command, clock.GetUtcNow(), http.RequestAborted)).ToHttp();
        })
        .AcceptsOdm()
        .Command<Summary>(creates: true, underLocks: false, ofExisting: false)
        .Operation("importClinicalDataOdm", "Import a study with its clinical data from another EDC's ODM file", "ODM import");
}
