function GettingStarted() % mh:ignore_style (MATLAB's name for a toolbox's guide)
%GETTINGSTARTED  Getting started with SciStack: setup, variables, for_each, lineage, SQL.
%   GettingStarted() runs the guide below from start to end, printing what each step
%   does. Read it in the editor and run it (MATLAB's Add-On Manager opens it as the
%   toolbox's getting-started guide); every line between the section headers (%%) can
%   also be pasted at the command prompt, in MATLAB and in GNU Octave. It writes only
%   to a new scratch folder under tempdir, which it leaves on the path.
%
%   Example:
%     GettingStarted()
%
%   See also scistack.setup, scihist.configure_database, scidb.BaseVariable,
%   scihist.for_each, scilineage.Thunk, scilineage.provenance, gait_study.

%% 1. Connect to the Python engine (once per installation; quick afterwards)
% SciStack's rules live in a Python engine. scistack.setup finds (or creates) a Python
% for it; in GNU Octave it also compiles the bridge to Python.
scistack.setup();

%% 2. A scratch folder for this guide
% In a project, the variable types and step functions below are files you write in your
% own folder; this guide writes them into a new scratch folder and puts it on the path.
work = tempname();
mkdir(work);
files = {'RawEMG.m', sprintf('classdef RawEMG < scidb.BaseVariable\nend\n'), ...
         'FilteredEMG.m', sprintf('classdef FilteredEMG < scidb.BaseVariable\nend\n'), ...
         'PeakEMG.m', sprintf('classdef PeakEMG < scidb.BaseVariable\nend\n'), ...
         'smooth_emg.m', sprintf(['function smoothed = smooth_emg(signal, width)\n', ...
                                  'fprintf(''  smooth_emg runs\\n'');\n', ...
                                  'kernel = ones(width, 1) / width;\n', ...
                                  'smoothed = conv(abs(signal), kernel, ''same'');\n', ...
                                  'end\n'])};
for k = 1:2:numel(files)
    fid = fopen(fullfile(work, files{k}), 'w');
    fprintf(fid, '%s', files{k + 1});
    fclose(fid);
end
addpath(work);
fprintf('Scratch folder: %s\n', work);

%% 3. Configure a database
% One DuckDB file holds everything. The schema keys name what identifies a recording
% in your experiment, highest level first; they are fixed when the file is created.
db = scihist.configure_database(fullfile(work, 'emg.duckdb'), {'subject', 'session'});
fprintf('Database %s, schema keys: %s\n', db.path, strjoin(db.schema_keys, ', '));

%% 4. A variable type
% A variable type is a class with an empty body that derives from scidb.BaseVariable,
% in a file of its own. RawEMG.m in the scratch folder holds exactly this:
%
%   classdef RawEMG < scidb.BaseVariable
%   end
%
% The class name is the variable's name in the database and the name of its SQL view.

%% 5. Save and load by metadata
signals = cell(2, 2);
sessions = {'pre', 'post'};
t = (0:999)' / 1000;
for subject = 1:2
    for s = 1:2
        signals{subject, s} = sin(2 * pi * (20 + 5 * subject) * t) * (subject + s);
        RawEMG().save(signals{subject, s}, 'subject', subject, 'session', sessions{s});
    end
end
raw = RawEMG().load('subject', 1, 'session', 'pre');
fprintf('RawEMG(subject=1, session=''pre''): %dx%d %s, version %d, record %s\n', ...
        size(raw.data, 1), size(raw.data, 2), class(raw.data), raw.version, raw.record_id);
same_id = RawEMG().save(signals{1, 1}, 'subject', 1, 'session', 'pre');
fprintf('Saving the same content again adds nothing: same record id: %d\n', ...
        strcmp(same_id, raw.record_id));
both = RawEMG().load('subject', 1);
fprintf('A partial address loads a cell of %d records\n', numel(both));

%% 6. A Thunk: lineage and caching for one call
% scilineage.Thunk wraps a function. Each call returns a LineageResult: the value
% (data) and how it was made (lineage). A call made before, with the same code, inputs
% and constants, is answered from the cache without running the function.
smooth = scilineage.Thunk(@smooth_emg);
fprintf('First call:\n');
r = smooth(raw, 5);
fprintf('Same call again (nothing runs):\n');
r = smooth(raw, 5);
fprintf('  made by %s, width = %d, from the RawEMG record %s\n', ...
        r.lineage.function_name, r.lineage.constants.width.value, ...
        r.lineage.inputs.signal.record_id);
FilteredEMG().save(r, 'subject', 1, 'session', 'pre');   % saved with its lineage

%% 7. for_each: one call per combination, loading and saving by metadata
% scihist.for_each loads the inputs of each subject x session from the database, calls
% the function, and saves what it returns with its lineage. Constants (width) are
% passed as they are. Combinations already computed are not run again. A function
% handle of any kind works: a function file, a built-in (@max), an anonymous function.
r1 = scihist.for_each(@smooth_emg, struct('signal', RawEMG(), 'width', 5), ...
                      {FilteredEMG()}, 'subject', [1 2], 'session', {'pre', 'post'}, ...
                      'progress', false);
r2 = scihist.for_each(@max, struct('signal', FilteredEMG()), ...
                      {PeakEMG()}, 'subject', [1 2], 'session', {'pre', 'post'}, ...
                      'progress', false);
fprintf('smooth_emg: %s\n', strjoin(r1.status', ' '));
fprintf('  (subject 1, pre is cached: the Thunk call of step 6 computed and saved it)\n');
fprintf('max:        %s\n', strjoin(r2.status', ' '));
fprintf('The same for_each again:\n');
r1 = scihist.for_each(@smooth_emg, struct('signal', RawEMG(), 'width', 5), ...
                      {FilteredEMG()}, 'subject', [1 2], 'session', {'pre', 'post'}, ...
                      'progress', false);
fprintf('smooth_emg: %s\n', strjoin(r1.status', ' '));

%% 8. Provenance: how a saved result was produced
p = scilineage.provenance(PeakEMG(), 'subject', 2, 'session', 'post');
fprintf('PeakEMG(subject=2, session=''post'') = %.4f, made by %s from %s version %d\n', ...
        PeakEMG().load('subject', 2, 'session', 'post').data, p.function_name, ...
        p.inputs.signal.variable, p.inputs.signal.version);

%% 9. Every result at once, and the SQL view
% load_all returns a table in MATLAB and a struct of columns in GNU Octave.
peaks = PeakEMG().load_all();
for k = 1:numel(peaks.data)
    fprintf('  subject %d  %-4s  %.4f\n', peaks.subject(k), peaks.session{k}, peaks.data(k));
end
db.close();
fprintf(['Each variable is also a SQL view. With the database closed, any DuckDB ', ...
         'client reads it:\n  duckdb -readonly %s "SELECT subject, session, value ', ...
         'FROM PeakEMG"\n'], db.path);
fprintf(['To go on here: scihist.configure_database(''%s'', {''subject'', ''session''}); ', ...
         'then PeakEMG().load_all()\nNext: edit gait_study (the complete example), ', ...
         'doc scidb, doc scihist, doc scilineage.\n'], db.path);
end
