using System.Text.Json.Nodes;
using NpcEcrf.Api.Standards;
using NpcEcrf.Api.Standards.Formats;

namespace NpcEcrf.Api.Tests.Standards;

public class DatasetJsonTests
{

    private static JsonNode Write(Dataset dataset)
    {
        using var stream = new MemoryStream();
        DatasetJson.Write(dataset, SampleDatasets.Source, stream);
        var json = JsonNode.Parse(stream.ToArray())!;
        DatasetJsonSchema.AssertValid(json);
        return json;
    }

    [Theory]
    [InlineData("adam-adsl.json")]
    [InlineData("sdtm-dm.json")]
    public void The_validator_accepts_the_official_examples(string example) =>
        DatasetJsonSchema.AssertValid(JsonNode.Parse(File.ReadAllText(Path.Combine(DatasetJsonSchema.Dir, "examples", example)))!);

    [Fact]
    public void The_validator_rejects_a_file_the_schema_does_not_allow()
    {
        var json = Write(SampleDatasets.Dm());
        json["columns"]![0]!["dataType"] = "text";
        Assert.False(DatasetJsonSchema.IsValid(json));
        json["columns"]![0]!["dataType"] = "string";
        json.AsObject().Remove("itemGroupOID");
        Assert.False(DatasetJsonSchema.IsValid(json));
    }

    [Fact]
    public void Names_the_lock_its_hash_and_its_cut_off()
    {
        var json = Write(SampleDatasets.Dm());
        var hash = SampleDatasets.Source.LockHash;

        Assert.Equal("1.1.0", (string?)json["datasetJSONVersion"]);
        Assert.Equal($"NPC-001/ADAM/lock/final/cutoff/2023-06-30/sha256/{hash}/DM", (string?)json["fileOID"]);
        Assert.Equal("2023-07-03T14:05:09Z", (string?)json["dbLastModifiedDateTime"]);
        Assert.Equal("2023-07-03T14:05:09Z", (string?)json["datasetJSONCreationDateTime"]);
        Assert.Equal($"NpcEcrf 1.0.0, study NPC-001, lock final (SHA-256 {hash}), data cut-off 2023-06-30", (string?)json["originator"]);
        Assert.Equal("NpcEcrf", (string?)json["sourceSystem"]!["name"]);
        Assert.Equal("1.0.0", (string?)json["sourceSystem"]!["version"]);
        Assert.Equal("NPC-001", (string?)json["studyOID"]);
        Assert.Equal("MDV.NPC_001.ADAM.FINAL", (string?)json["metaDataVersionOID"]);
        Assert.Equal("IG.DM", (string?)json["itemGroupOID"]);
        Assert.Equal("DM", (string?)json["name"]);
        Assert.Equal("Demographics", (string?)json["label"]);
        Assert.Equal(5, (int?)json["records"]);
    }

    [Fact]
    public void Describes_each_column_with_its_OID_type_length_and_key_sequence()
    {
        var columns = Write(SampleDatasets.Dm())["columns"]!.AsArray().Select(c => c!.ToJsonString()).ToList();
        Assert.Equal(
        [
            """{"itemOID":"IT.DM.STUDYID","name":"STUDYID","label":"Study Identifier","dataType":"string","length":7,"keySequence":1}""",
            """{"itemOID":"IT.DM.USUBJID","name":"USUBJID","label":"Unique Subject Identifier","dataType":"string","length":12,"keySequence":2}""",
            """{"itemOID":"IT.DM.ARM","name":"ARM","label":"Description of Planned Arm","dataType":"string","length":22}""",
            """{"itemOID":"IT.DM.AGE","name":"AGE","label":"Age","dataType":"integer"}""",
            """{"itemOID":"IT.DM.WEIGHT","name":"WEIGHT","label":"Weight (kg)","dataType":"double"}""",
            """{"itemOID":"IT.DM.RFSTDT","name":"RFSTDT","label":"Date of First Exposure","dataType":"date","targetDataType":"integer","displayFormat":"DATE9."}""",
        ], columns);
    }

    [Fact]
    public void Writes_the_rows_with_numbers_as_numbers_dates_as_ISO_text_and_missing_as_null()
    {
        var rows = Write(SampleDatasets.Dm())["rows"]!.AsArray().Select(r => r!.ToJsonString()).ToList();
        Assert.Equal(
        [
            """["NPC-001","NPC-001-001","Gemcitabine, cisplatin",54,0.1,"2021-03-15"]""",
            """["NPC-001","NPC-001-002","Say \u0022ah\u0022",0,1234.5678,"1960-01-01"]""",
            """["NPC-001","NPC-001-003",null,-7,-2.5,"1959-12-31"]""",
            """["NPC-001","NPC-001-004","Line one\nline two",null,null,null]""",
            """["NPC-001","NPC-001-005","",2147483648,0,"2024-02-29"]""",
        ], rows);
    }

    [Fact]
    public void An_empty_dataset_is_valid_with_no_rows()
    {
        var json = Write(SampleDatasets.Dm() with { Rows = [] });
        Assert.Equal(0, (int?)json["records"]);
        Assert.Empty(json["rows"]!.AsArray());
        Assert.Equal(1, (int?)json["columns"]![2]!["length"]); // no data and no declared length: the smallest length allowed
    }

    [Fact]
    public void The_same_lock_gives_the_same_bytes()
    {
        byte[] Bytes()
        {
            using var stream = new MemoryStream();
            DatasetJson.Write(SampleDatasets.Dm(), SampleDatasets.Source, stream);
            return stream.ToArray();
        }
        Assert.Equal(Bytes(), Bytes());
    }
}
