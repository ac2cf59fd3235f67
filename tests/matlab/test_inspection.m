function tests = test_inspection
%TEST_INSPECTION  scistack.lineage, scistack.report and scidb.export through the gateway.
%   Needs the engine (SCISTACK_PYTHON). Run with run_tests('test_inspection').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.helpers = fullfile(fileparts(mfilename('fullpath')), 'helpers_scidb');
addpath(testCase.TestData.helpers);
end

function teardownOnce(testCase)
rmpath(testCase.TestData.helpers);
end

function setup(testCase)
[testCase.TestData.db, testCase.TestData.file] = scidb_test_database();
for subject = 1:3
    RawEMG().save(subject * [1; 2; 3], 'subject', subject, 'session', 'pre');
end
scihist.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {FilteredEMG()}, ...
                 'subject', [1 2 3 4], 'session', 'pre');
testCase.TestData.out = tempname();  % a prefix: files are out_<name>
end

function teardown(testCase)
scidb_test_cleanup(testCase.TestData.db, testCase.TestData.file);
delete([testCase.TestData.out, '_*']);
end

function test_lineage_as_svg_text_and_mermaid(testCase)
svg = scistack.lineage();
verifyTrue(testCase, strncmp(svg, '<svg', 4));
verifyTrue(testCase, ~isempty(strfind(svg, 'data-id="var:FilteredEMG"')));
verifyTrue(testCase, ~isempty(strfind(svg, 'helper_scale()')));
mermaid = scistack.lineage('format', 'mermaid', 'variable', FilteredEMG());
verifyTrue(testCase, strncmp(mermaid, 'flowchart LR', 12));
verifyTrue(testCase, ~isempty(strfind(mermaid, 'FilteredEMG<br/>3 records')));
end

function test_lineage_to_an_html_file(testCase)
file = [testCase.TestData.out, '_pipeline.html'];
written = scistack.lineage('output', file, 'db', testCase.TestData.db);
verifyEqual(testCase, written, file);
text = fileread(file);
verifyTrue(testCase, ~isempty(strfind(text, 'id="scistack-data"')));
end

function test_report_of_the_latest_run(testCase)
html = scistack.report();
verifyTrue(testCase, ~isempty(strfind(html, 'Run of helper_scale()')));
verifyTrue(testCase, ~isempty(strfind(html, 'Skipped (1)')));
file = [testCase.TestData.out, '_run.html'];
verifyEqual(testCase, scistack.report('output', file), file);
end

function test_unknown_options_and_runs_are_errors(testCase)
try
    scistack.report('colour', 'red');
    verifyFail(testCase, 'no error for an unknown option');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:arguments:unknownOption');
end
try
    scistack.report('run', 'nosuchrun');
    verifyFail(testCase, 'no error for an unknown run');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:db:notFound');
end
end

function test_export_to_mat_and_csv(testCase)
file = [testCase.TestData.out, '_filtered.mat'];
s = scidb.export(FilteredEMG(), file);
verifyEqual(testCase, s.rows, 3);
verifyEqual(testCase, s.records, 3);
verifyEqual(testCase, exist(s.provenance, 'file'), 2);
loaded = load(file);
verifyEqual(testCase, size(loaded.FilteredEMG), [3 1]);
verifyEqual(testCase, loaded.FilteredEMG(2).value, [4; 8; 12]);
verifyEqual(testCase, loaded.FilteredEMG(2).subject, 2);
verifyEqual(testCase, loaded.FilteredEMG(2).session, 'pre');
csv = [testCase.TestData.out, '_raw.csv'];
s = scidb.export('RawEMG', csv, 'subject', [1 3]);
verifyEqual(testCase, s.rows, 2);
verifyEqual(testCase, s.format, 'csv');
end

function test_export_mat_version(testCase)
file = [testCase.TestData.out, '_v5.mat'];
scidb.export(FilteredEMG(), file, 'mat_version', 5, 'subject', 2);
loaded = load(file);
verifyEqual(testCase, loaded.FilteredEMG.value, [4; 8; 12]);
try
    scidb.export(FilteredEMG(), [testCase.TestData.out, '_v6.mat'], 'mat_version', 6);
    verifyFail(testCase, 'no error for a .mat version that does not exist');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:value:unsupported');
    verifyTrue(testCase, ~isempty(strfind(err.message, '7.3')));
end
file = [testCase.TestData.out, '_v73.mat'];
try
    scidb.export(FilteredEMG(), file, 'mat_version', 7.3);
    % h5py loaded here: the file is MATLAB's HDF5 layout behind its 128-byte header
    fid = fopen(file, 'r');
    head = fread(fid, [1 19], '*char');
    fclose(fid);
    verifyEqual(testCase, head, 'MATLAB 7.3 MAT-file');
catch err
    % the usual case inside Octave: h5py cannot load beside Octave's own HDF5 library
    verifyEqual(testCase, err.identifier, 'scistack:value:unsupported');
    verifyTrue(testCase, ~isempty(strfind(err.message, 'from a shell')));
end
end
