using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Corrections;

/// <summary>
/// Corrects one data point already entered, on any form of the catalogue: the old value, the new value and the
/// mandatory reason are kept (in the event and as the reason-for-change header); the corrected casebook must pass
/// every check, exactly as an entry must.
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
        var form = FormRef.Parse(c.Form);
        var (old, field, error) = FormValues.Read(s.Casebook, s.Study, form, c.Field);
        if (error is not null) return Rejection.Invalid($"{form}.{c.Field}", error);
        var oldJson = old?.ToJsonString() ?? "null";
        var newJson = JsonNode.Parse(c.NewValue.GetRawText())?.ToJsonString() ?? "null";
        if (oldJson == newJson) return Rejection.Invalid($"{form}.{field}", "The new value equals the current one.");
        try
        {
            // A value of the wrong type (text for a date, say) is refused now, not left to break a replay later.
            FormValues.Replace(s.Casebook.Entry(form)!.Value, field, newJson);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return Rejection.Invalid($"{form}.{field}", $"{newJson} is not a valid value for {c.Field}.");
        }
        return Decision.Accept(new DataPointCorrected(form.ToString(), field, oldJson, newJson, c.Reason));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<CorrectDataPoint>("/corrections", Decide,
            c => new CasebookWrite(ReasonForChange: c.Reason, Alongside: c.DataQueryId is { } queryId ? (session, casebook, _) => AnswerQuery(session, queryId, c, casebook) : null))
        .Operation("correctDataPoint", "Correct an entered value, with the reason for change", "Corrections")
        .RequestExample("""{"form": "labs/W1", "field": "haemoglobin", "newValue": 12.8, "reason": "Transcription error", "version": 5}""");

    /// <summary>
    /// Answering a data query by correcting the data links the correction (and its reason) to the query, whether the
    /// query is still open or was already answered in words (answer during a soft lock, correct after the unlock).
    /// </summary>
    private static async Task<Rejection?> AnswerQuery(IDocumentSession session, Guid queryId, CorrectDataPoint c, Casebook before)
    {
        var query = await session.LoadAsync<DataQuery>(queryId);
        if (query is null || query.SubjectNumber != before.SubjectNumber || query.StudyId != before.StudyId)
            return Rejection.Invalid("dataQueryId", "No such data query on this subject.");
        // An automatic query may already be closed by this very correction clearing its check.
        if (session.PendingChanges.Streams().Any(s => s.Id == queryId)) return null;
        var decision = DataQueryTransitions.AnswerWithCorrection(query, $"Corrected {c.Form}.{c.Field}: {c.Reason}", before.Version + 1);
        if (decision.Rejection is { } rejection) return rejection;
        session.Events.Append(queryId, decision.Events.ToArray());
        return null;
    }
}
