using System.Text.Json.Nodes;

namespace NpcEcrf.Api.StudyForms;

/// <summary>A form the data manager defined was entered: every item of the form, null where no value was given.</summary>
public sealed record StudyFormEntered(string Form, string? Key, JsonObject Data);
