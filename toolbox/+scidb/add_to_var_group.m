function add_to_var_group(group, variables)
%ADD_TO_VAR_GROUP  Add variables to a variable group of the current database.
%   scidb.add_to_var_group(GROUP, VARS) adds VARS to the group named GROUP, kept in the
%   database file: VARS is one variable (an instance such as StepLength(), or its name)
%   or several (a cell of instances or of names, or a string array). The first member
%   creates the group; a member added twice is kept once.
%   It calls the method of the same name of scidb.get_database().
%
%   Example:
%     scidb.add_to_var_group('kinematics', {StepLength(), StepWidth()});
%     scidb.add_to_var_group('kinematics', 'StepTime');
%
%   See also scidb.get_var_group, scidb.remove_from_var_group, scidb.list_var_groups.

db = scidb.get_database();
db.add_to_var_group(group, variables);
end
