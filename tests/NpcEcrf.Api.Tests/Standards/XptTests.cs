using NpcEcrf.Api.Standards;
using NpcEcrf.Api.Standards.Formats;

namespace NpcEcrf.Api.Tests.Standards;

public class XptTests
{
    private static byte[] Write(Dataset dataset)
    {
        using var stream = new MemoryStream();
        Xpt.Write(dataset, SampleDatasets.Source, stream);
        return stream.ToArray();
    }

    [Fact]
    public void Reads_back_the_names_labels_types_lengths_and_formats_written()
    {
        var member = XptReader.Read(Write(SampleDatasets.Dm()));

        Assert.Equal("DM", member.Name);
        Assert.Equal("Demographics", member.Label);
        Assert.Equal("03JUL23:14:05:09", member.Created); // the lock time
        Assert.Equal(
        [
            new XptReader.Column("STUDYID", "Study Identifier", false, 7, "", 0, 0),
            new XptReader.Column("USUBJID", "Unique Subject Identifier", false, 12, "", 0, 7),
            new XptReader.Column("ARM", "Description of Planned Arm", false, 22, "", 0, 19),
            new XptReader.Column("AGE", "Age", true, 8, "", 0, 41),
            new XptReader.Column("WEIGHT", "Weight (kg)", true, 8, "", 0, 49),
            new XptReader.Column("RFSTDT", "Date of First Exposure", true, 8, "DATE", 9, 57),
        ], member.Columns);
    }

    [Fact]
    public void Reads_back_text_integers_decimals_negatives_zero_missing_and_dates_exactly()
    {
        var rows = XptReader.Read(Write(SampleDatasets.Dm())).Rows;

        Assert.Equal(5, rows.Count);
        Assert.Equal(["NPC-001", "NPC-001-001", "Gemcitabine, cisplatin", 54d, 0.1, 22354d], rows[0]); // 2021-03-15 is SAS day 22354
        Assert.Equal(["NPC-001", "NPC-001-002", "Say \"ah\"", 0d, 1234.5678, 0d], rows[1]);
        Assert.Equal(["NPC-001", "NPC-001-003", "", -7d, -2.5, -1d], rows[2]);
        Assert.Equal(["NPC-001", "NPC-001-004", "Line one\nline two", null, null, null], rows[3]);
        Assert.Equal(["NPC-001", "NPC-001-005", "", 2147483648d, 0d, 23435d], rows[4]);
    }

    [Theory]
    [InlineData(1.0, "4110000000000000")]
    [InlineData(-118.625, "C276A00000000000")] // the textbook IBM example
    [InlineData(0.0, "0000000000000000")]
    [InlineData(0.1, "401999999999999A")]
    public void Numbers_are_IBM_370_doubles(double value, string hex) =>
        Assert.Equal(hex, Convert.ToHexString(Xpt.Ibm(value)));

    [Fact]
    public void A_missing_number_is_the_SAS_missing_value() => Assert.Equal("2E00000000000000", Convert.ToHexString(Xpt.Ibm(null)));

    [Theory]
    [InlineData(3.3e-77)]
    [InlineData(1234567.891e10)]
    [InlineData(-0.000123)]
    [InlineData(1e75)]
    [InlineData(long.MaxValue)]
    public void Numbers_in_IBM_range_survive_the_round_trip(double value) => Assert.Equal(value, XptReader.FromIbm(Xpt.Ibm(value)));

    [Fact]
    public void Every_double_IBM_370_can_hold_survives_the_round_trip_exactly()
    {
        var random = new Random(12);
        for (var i = 0; i < 100_000; i++)
        {
            // Uniform over the exponents IBM covers (about 16^-64 to 16^63), random mantissa and sign.
            var value = Math.ScaleB(1 + random.NextDouble(), random.Next(-255, 251)) * (random.Next(2) == 0 ? 1 : -1);
            Assert.Equal(value, XptReader.FromIbm(Xpt.Ibm(value)));
        }
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(-1e-300)]
    public void Refuses_numbers_IBM_370_cannot_hold(double value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Xpt.Ibm(value));

    [Theory]
    [InlineData("USUBJIDXX", "Unique Subject Identifier")]
    [InlineData("usubjid", "Unique Subject Identifier")]
    [InlineData("USUBJID", "A label that is far longer than forty characters")]
    public void Refuses_names_and_labels_that_do_not_fit_v5_naming_the_variable(string name, string label)
    {
        var dataset = new Dataset("DM", "Demographics", "SPECIAL PURPOSE", [new Variable(name, label, VariableType.Text)], [["X"]]);
        var error = Assert.Throws<ArgumentException>(() => Write(dataset));
        Assert.Contains($"DM.{name}", error.Message);
    }

    [Fact]
    public void Refuses_a_dataset_label_longer_than_forty_characters()
    {
        var dataset = SampleDatasets.Dm() with { Label = "Demographics of every subject enrolled in the study" };
        Assert.Contains("dataset DM", Assert.Throws<ArgumentException>(() => Write(dataset)).Message);
    }

    [Fact]
    public void Refuses_text_longer_than_its_declared_length_or_than_v5_allows()
    {
        var declared = new Dataset("DM", "Demographics", "SPECIAL PURPOSE", [new Variable("ARM", "Arm", VariableType.Text, 3)], [["Gemcitabine"]]);
        Assert.Contains("DM.ARM", Assert.Throws<InvalidOperationException>(() => Write(declared)).Message);
        var tooLong = new Dataset("DM", "Demographics", "SPECIAL PURPOSE", [new Variable("ARM", "Arm", VariableType.Text)], [[new string('x', 201)]]);
        Assert.Contains("DM.ARM", Assert.Throws<ArgumentException>(() => Write(tooLong)).Message);
    }

    [Fact]
    public void Refuses_a_value_of_the_wrong_type_naming_the_variable_and_row()
    {
        var dataset = new Dataset("DM", "Demographics", "SPECIAL PURPOSE", [new Variable("AGE", "Age", VariableType.Integer)], [[54], [54.5m]]);
        Assert.Contains("DM.AGE row 2", Assert.Throws<InvalidOperationException>(() => Write(dataset)).Message);
    }

    [Fact]
    public void An_empty_dataset_has_its_variables_and_no_rows()
    {
        var member = XptReader.Read(Write(SampleDatasets.Dm() with { Rows = [] }));
        Assert.Equal(6, member.Columns.Count);
        Assert.Empty(member.Rows);
    }

    /// <summary>
    /// Fixtures/dm.xpt was written by this writer and read by R's haven (Fixtures/dm.xpt.R.txt has the call and what it
    /// printed). The writer must still write exactly those bytes.
    /// </summary>
    [Fact]
    public void Writes_byte_for_byte_the_fixture_haven_read()
    {
        var fixture = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Standards", "Fixtures", "dm.xpt"));
        Assert.Equal(Convert.ToHexString(fixture), Convert.ToHexString(Write(SampleDatasets.Dm())));
    }

    [Fact]
    public void The_file_is_named_after_the_dataset_in_lower_case() => Assert.Equal("dm.xpt", Xpt.FileName(SampleDatasets.Dm()));
}
