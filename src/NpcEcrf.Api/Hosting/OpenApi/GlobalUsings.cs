// Every feature's endpoints describe themselves to the contract (ApiContract).
global using NpcEcrf.Api.Hosting.OpenApi;
