using NpcEcrf.Api.Standards;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>Small datasets with every kind of value the writers handle. Dm() is the committed XPT fixture: do not change it.</summary>
public static class SampleDatasets
{
    public static readonly DatasetSource Source = new("NPC-001", "Sample study", "final", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        new DateOnly(2023, 6, 30), new DateTimeOffset(2023, 7, 3, 14, 5, 9, TimeSpan.Zero), 1234, 2, "ADaMIG 1.3", "NpcEcrf", "1.0.0");

    public static Dataset Dm() => new("DM", "Demographics", "SPECIAL PURPOSE",
    [
        new Variable("STUDYID", "Study Identifier", VariableType.Text, Key: true),
        new Variable("USUBJID", "Unique Subject Identifier", VariableType.Text, 12, Key: true),
        new Variable("ARM", "Description of Planned Arm", VariableType.Text),
        new Variable("AGE", "Age", VariableType.Integer),
        new Variable("WEIGHT", "Weight (kg)", VariableType.Float),
        new Variable("RFSTDT", "Date of First Exposure", VariableType.Date),
    ],
    [
        ["NPC-001", "NPC-001-001", "Gemcitabine, cisplatin", 54, 0.1m, new DateOnly(2021, 3, 15)],
        ["NPC-001", "NPC-001-002", "Say \"ah\"", 0, 1234.5678m, new DateOnly(1960, 1, 1)],
        ["NPC-001", "NPC-001-003", null, -7, -2.5, new DateOnly(1959, 12, 31)],
        ["NPC-001", "NPC-001-004", "Line one\nline two", null, null, null],
        ["NPC-001", "NPC-001-005", "", 2147483648L, 0d, new DateOnly(2024, 2, 29)],
    ]);
}
