classdef ShimTestCase < handle
    %SHIMTESTCASE  The test case a test function receives under GNU Octave (test shim).
    %   A small stand-in for matlab.unittest.FunctionTestCase: verify* records a
    %   failure and lets the test go on; assert* records it and stops the test;
    %   assume* marks the test as skipped and stops it. TestData is a struct shared
    %   by setupOnce, setup, the tests and teardown, as in MATLAB.
    %
    %   Supported qualifications: Equal (with 'AbsTol' and 'RelTol'), NotEqual, True,
    %   False, Error, Class, Size, Empty, NotEmpty, Fail, and assumeTrue/assumeFalse.
    %
    %   Example:
    %     tc = ShimTestCase();
    %     verifyEqual(tc, 1 + 1, 2);
    %
    %   See also functiontests, run_tests.

    properties
        TestData = struct()
        Failures = {}
        Skipped = ''
    end

    methods

        function verifyEqual(tc, actual, expected, varargin)
            [ok, why] = ShimTestCase.compare(actual, expected, varargin{:});
            tc.record(ok, ['verifyEqual failed: ', why], varargin);
        end

        function assertEqual(tc, actual, expected, varargin)
            [ok, why] = ShimTestCase.compare(actual, expected, varargin{:});
            tc.stop_unless(ok, ['assertEqual failed: ', why], varargin);
        end

        function verifyNotEqual(tc, actual, expected, varargin)
            ok = ~ShimTestCase.compare(actual, expected);
            tc.record(ok, 'verifyNotEqual failed: the values are equal', varargin);
        end

        function verifyTrue(tc, condition, varargin)
            tc.record(ShimTestCase.is_true(condition), 'verifyTrue failed', varargin);
        end

        function assertTrue(tc, condition, varargin)
            tc.stop_unless(ShimTestCase.is_true(condition), 'assertTrue failed', varargin);
        end

        function verifyFalse(tc, condition, varargin)
            tc.record(ShimTestCase.is_false(condition), 'verifyFalse failed', varargin);
        end

        function assertFalse(tc, condition, varargin)
            tc.stop_unless(ShimTestCase.is_false(condition), 'assertFalse failed', varargin);
        end

        function verifyError(tc, fn, identifier, varargin)
            [ok, why] = ShimTestCase.raises(fn, identifier);
            tc.record(ok, ['verifyError failed: ', why], varargin);
        end

        function assertError(tc, fn, identifier, varargin)
            [ok, why] = ShimTestCase.raises(fn, identifier);
            tc.stop_unless(ok, ['assertError failed: ', why], varargin);
        end

        function verifyClass(tc, value, class_name, varargin)
            ok = strcmp(class(value), class_name);
            tc.record(ok, sprintf('verifyClass failed: class %s, expected %s', ...
                                  class(value), class_name), varargin);
        end

        function verifySize(tc, value, expected, varargin)
            ok = isequal(size(value), expected);
            tc.record(ok, sprintf('verifySize failed: size %s, expected %s', ...
                                  mat2str(size(value)), mat2str(expected)), varargin);
        end

        function verifyEmpty(tc, value, varargin)
            tc.record(isempty(value), 'verifyEmpty failed: the value is not empty', varargin);
        end

        function verifyNotEmpty(tc, value, varargin)
            tc.record(~isempty(value), 'verifyNotEmpty failed: the value is empty', varargin);
        end

        function verifyFail(tc, varargin)
            tc.record(false, 'verifyFail', varargin);
        end

        function assumeTrue(tc, condition, varargin)
            if ~ShimTestCase.is_true(condition)
                tc.skip(varargin);
            end
        end

        function assumeFalse(tc, condition, varargin)
            if ~ShimTestCase.is_false(condition)
                tc.skip(varargin);
            end
        end

    end

    methods (Access = private)

        function record(tc, ok, message, extra)
            if ~ok
                tc.Failures{end + 1} = ShimTestCase.with_diagnostic(message, extra);
            end
        end

        function stop_unless(tc, ok, message, extra)
            if ~ok
                tc.record(false, message, extra);
                error('shim:assertionFailed', 'assertion failed');
            end
        end

        function skip(tc, extra)
            tc.Skipped = ShimTestCase.with_diagnostic('assumption failed', extra);
            error('shim:assumptionFailed', 'assumption failed');
        end

    end

    methods (Static, Access = private)

        function message = with_diagnostic(message, extra)
            % A trailing char argument is the test's own diagnostic text.
            options = {'AbsTol', 'RelTol'};
            for k = 1:numel(extra)
                if ischar(extra{k}) && ~any(strcmp(extra{k}, options))
                    message = [message, ' (', extra{k}, ')'];
                end
            end
        end

        function tf = is_true(condition)
            tf = (islogical(condition) || isnumeric(condition)) && isscalar(condition) && ...
                 logical(condition);
        end

        function tf = is_false(condition)
            tf = (islogical(condition) || isnumeric(condition)) && isscalar(condition) && ...
                 ~logical(condition);
        end

        function [ok, why] = raises(fn, identifier)
            try
                fn();
            catch err
                ok = strcmp(err.identifier, identifier);
                why = sprintf('raised %s (%s), expected %s', err.identifier, err.message, ...
                              identifier);
                return
            end
            ok = false;
            why = sprintf('no error raised, expected %s', identifier);
        end

        function [ok, why] = compare(actual, expected, varargin)
            % Strict equality as matlab.unittest checks it: class, size, complexity and
            % values (NaN equals NaN), recursing into cells, structs and Maps.
            abs_tol = 0;
            rel_tol = 0;
            for k = 1:2:numel(varargin) - 1
                if strcmp(varargin{k}, 'AbsTol')
                    abs_tol = varargin{k + 1};
                elseif strcmp(varargin{k}, 'RelTol')
                    rel_tol = varargin{k + 1};
                end
            end
            why = ShimTestCase.difference(actual, expected, abs_tol, rel_tol, 'value');
            ok = isempty(why);
        end

        function why = difference(a, b, abs_tol, rel_tol, where)
            why = '';
            if ~strcmp(class(a), class(b))
                why = sprintf('%s has class %s, expected %s', where, class(a), class(b));
            elseif ~isequal(size(a), size(b))
                why = sprintf('%s has size %s, expected %s', where, mat2str(size(a)), ...
                              mat2str(size(b)));
            elseif iscell(a)
                for k = 1:numel(a)
                    why = ShimTestCase.difference(a{k}, b{k}, abs_tol, rel_tol, ...
                                                  sprintf('%s{%d}', where, k));
                    if ~isempty(why)
                        return
                    end
                end
            elseif isstruct(a)
                fa = sort(fieldnames(a));
                fb = sort(fieldnames(b));
                if ~isequal(fa, fb)
                    why = sprintf('%s has fields {%s}, expected {%s}', where, ...
                                  strjoin(fa.', ','), strjoin(fb.', ','));
                    return
                end
                for k = 1:numel(a)
                    for f = 1:numel(fa)
                        inside = sprintf('%s(%d).%s', where, k, fa{f});
                        why = ShimTestCase.difference(a(k).(fa{f}), b(k).(fa{f}), abs_tol, ...
                                                      rel_tol, inside);
                        if ~isempty(why)
                            return
                        end
                    end
                end
            elseif isa(a, 'containers.Map')
                why = ShimTestCase.difference(keys(a), keys(b), abs_tol, rel_tol, ...
                                              [where, ' keys']);
                if isempty(why)
                    why = ShimTestCase.difference(values(a), values(b), abs_tol, rel_tol, ...
                                                  [where, ' values']);
                end
            elseif isnumeric(a) || islogical(a) || ischar(a)
                if isnumeric(a) && isreal(a) ~= isreal(b)
                    why = sprintf('%s differs in complexity', where);
                elseif (abs_tol > 0 || rel_tol > 0) && isfloat(a)
                    gap = abs(double(a) - double(b));
                    within = gap <= abs_tol | gap <= rel_tol * abs(double(b)) | ...
                            (isnan(a) & isnan(b)) | (a == b);
                    if ~all(within(:))
                        why = sprintf('%s differs beyond the tolerance', where);
                    end
                elseif ~isequaln(a, b)
                    why = sprintf('%s differs: %s, expected %s', where, ...
                                  ShimTestCase.show(a), ShimTestCase.show(b));
                end
            elseif ~isequal(a, b)
                why = sprintf('%s differs', where);
            end
        end

        function text = show(x)
            if numel(x) > 20
                text = sprintf('<%s %s>', mat2str(size(x)), class(x));
            elseif ischar(x)
                text = ['''', x, ''''];
            else
                text = mat2str(x);
            end
        end

    end
end
