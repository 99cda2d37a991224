using System.Globalization;
using System.Text;
using NpcEcrf.Api.Standards;
using NpcEcrf.Api.Standards.Formats;

namespace NpcEcrf.Api.Tests.Standards;

public class DatasetCsvTests
{
    private static string Write(Dataset dataset)
    {
        using var stream = new MemoryStream();
        DatasetCsv.Write(dataset, SampleDatasets.Source, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void Writes_a_header_of_names_then_quoted_fields_ISO_dates_and_empty_missing_values()
    {
        Assert.Equal(
            "STUDYID,USUBJID,ARM,AGE,WEIGHT,RFSTDT\r\n" +
            "NPC-001,NPC-001-001,\"Gemcitabine, cisplatin\",54,0.1,2021-03-15\r\n" +
            "NPC-001,NPC-001-002,\"Say \"\"ah\"\"\",0,1234.5678,1960-01-01\r\n" +
            "NPC-001,NPC-001-003,,-7,-2.5,1959-12-31\r\n" +
            "NPC-001,NPC-001-004,\"Line one\nline two\",,,\r\n" +
            "NPC-001,NPC-001-005,,2147483648,0,2024-02-29\r\n",
            Write(SampleDatasets.Dm()));
    }

    [Fact]
    public void Numbers_use_a_dot_whatever_the_current_culture()
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Contains(",1234.5678,", Write(SampleDatasets.Dm()));
        }
        finally { CultureInfo.CurrentCulture = before; }
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("a\"b", "\"a\"\"b\"")]
    [InlineData("a\r\nb", "\"a\r\nb\"")]
    [InlineData("", "")]
    public void Quotes_fields_as_RFC_4180_says(string field, string written) => Assert.Equal(written, DatasetCsv.Quoted(field));

    [Fact]
    public void Has_no_byte_order_mark_and_is_named_after_the_dataset_in_lower_case()
    {
        using var stream = new MemoryStream();
        DatasetCsv.Write(SampleDatasets.Dm(), SampleDatasets.Source, stream);
        Assert.Equal((byte)'S', stream.ToArray()[0]);
        Assert.Equal("dm.csv", DatasetCsv.FileName(SampleDatasets.Dm()));
    }
}
