using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Corrections;

/// <summary>
/// Corrects one data point already entered: the old value, the new value and the mandatory reason are
/// kept (in the event and as the reason-for-change header); the corrected casebook must pass every edit check.
/// </summary>
public sealed record CorrectDataPoint(string Form, string Field, JsonElement NewValue, string Reason, Guid? DataQueryId = null, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<CorrectDataPoint>
    {
        public Validator()
        {
            RuleFor(c => c.Form).NotEmpty();
            RuleFor(c => c.Field).NotEmpty();
            RuleFor(c => c.Reason).NotEmpty().WithMessage("A correction needs a reason for change.").MaximumLength(500);
            RuleFor(c => c.NewValue).Must(v => v.ValueKind != JsonValueKind.Undefined).WithMessage("Give the new value.");
        }
    }

    public static Decision Decide(SubjectContext s, CorrectDataPoint c)
    {
        var (old, error) = CasebookForms.Read(s.Casebook, c.Form, c.Field);
        if (error is not null) return Rejection.Invalid("field", error);
        var oldJson = old?.ToJsonString() ?? "null";
        var newJson = JsonNode.Parse(c.NewValue.GetRawText())?.ToJsonString() ?? "null";
        if (oldJson == newJson) return Rejection.Invalid("newValue", "The new value equals the current one.");
        var corrected = new DataPointCorrected(c.Form, c.Field, oldJson, newJson, c.Reason);
        try
        {
            // A value of the wrong type (text for a date, say) must be refused now, not break a replay later.
            CasebookReplay.After(s.Casebook, [corrected]);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return Rejection.Invalid("newValue", $"Not a valid value for {c.Field}.");
        }
        return Decision.Accept(corrected);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost(SubjectRoutes.Subject + "/corrections", (string studyId, string subjectNumber, CorrectDataPoint c, HttpContext http, Marten.IDocumentSession session) =>
            SubjectCommands.Run(http, session, studyId, subjectNumber, c, Decide, c.Reason,
                alongside: c.DataQueryId is { } queryId ? (s, after) => AnswerQuery(s, queryId, c, after) : null))
        .Validated<CorrectDataPoint>()
        .WithTags("Corrections");

    /// <summary>Answering a data query by correcting the data links the correction (and its reason) to the query.</summary>
    private static async Task<IResult?> AnswerQuery(Marten.IDocumentSession session, Guid queryId, CorrectDataPoint c, Casebook after)
    {
        var query = await session.LoadAsync<DataQueries.DataQuery>(queryId);
        if (query is null || query.SubjectNumber != after.SubjectNumber || query.StudyId != after.StudyId)
            return Problems.Validation("dataQueryId", "No such data query on this subject.");
        if (!query.IsOpen) return Problems.Validation("dataQueryId", $"The data query is {query.State}.");
        // An automatic query may already be closed by this very correction clearing its check.
        if (session.PendingChanges.Streams().Any(s => s.Id == queryId)) return null;
        var decision = DataQueries.DataQueryTransitions.Answer(query, $"Corrected {c.Form}.{c.Field}: {c.Reason}", after.LastDataVersion);
        if (decision.Rejection is { } rejection) return rejection.ToProblem();
        session.Events.Append(queryId, decision.Events.ToArray());
        return null;
    }
}
