using System.Text.Json;

namespace Gateway.LoadTests;

/// <summary>Where a run's result goes: DIRECTORY/SCENARIO.json, the latest run of each scenario.</summary>
public static class LoadResultFile
{
    public static async Task<string> WriteAsync(LoadResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, result.Scenario + ".json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(result, LoadResult.Json) + "\n");
        return file;
    }
}
