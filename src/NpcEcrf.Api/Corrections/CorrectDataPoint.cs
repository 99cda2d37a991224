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
public sealed record CorrectDataPoint(string Form, string Field, JsonElement NewValue, string Reason, long? Version = null, Guid? CommandId = null) : ISubjectCommand
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

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<CorrectDataPoint>("/corrections", Decide, c => c.Reason, tag: "Corrections");
}
